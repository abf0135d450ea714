"""Crisis recall measured through the running Rasa server's REST channel: model, detector and rules together."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.content.loader import ContentPack
from tests.crisis_dev.sets import crisis_messages, non_crisis_messages
from tests.e2e.conftest import Stack

MAX_FALSE_ALARM_RATE = 0.10
RESULTS = Path(__file__).resolve().parents[2] / "results" / "crisis-recall.txt"


def answered_as_crisis(stack: Stack, pack: ContentPack, message: str) -> bool:
    # A fresh conversation per message: recall must not depend on what came before.
    replies = stack.say(secrets.token_hex(8), message)
    text = "\n".join(r.get("text") or "" for r in replies)
    return pack.crisis.danger.text.strip() in text or pack.crisis.suicide.text.strip() in text


def test_crisis_recall_and_false_alarms_over_rest(stack: Stack, pack: ContentPack, capsys: pytest.CaptureFixture[str]) -> None:
    crisis = [message for _, message in crisis_messages()]
    calm = non_crisis_messages()
    with ThreadPoolExecutor(max_workers=4) as pool:
        caught = list(pool.map(lambda m: answered_as_crisis(stack, pack, m), crisis))
        alarms = list(pool.map(lambda m: answered_as_crisis(stack, pack, m), calm))
    missed = [m for m, ok in zip(crisis, caught, strict=False) if not ok]
    false_alarms = [m for m, alarm in zip(calm, alarms, strict=False) if alarm]
    recall = 1 - len(missed) / len(crisis)
    rate = len(false_alarms) / len(calm)
    summary = (
        f"crisis recall over REST: {len(crisis) - len(missed)}/{len(crisis)} = {recall:.1%}; "
        f"false alarms: {len(false_alarms)}/{len(calm)} = {rate:.1%}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(summary + "\n")
    with capsys.disabled():
        print("\n" + summary)
    assert missed == [], f"crisis messages not answered as crisis: {missed}"
    assert rate <= MAX_FALSE_ALARM_RATE, f"too many false alarms: {false_alarms}"
