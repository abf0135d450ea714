"""Crisis recall measured through the running Rasa server's REST channel: model, detector and rules together."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import pytest

from bot.content.loader import ContentPack
from tests.crisis_dev.sets import all_messages, family_figures
from tests.support.stack import Stack

pytestmark = pytest.mark.stack

MAX_FALSE_ALARM_RATE = 0.10
RESULTS = Path(__file__).resolve().parents[2] / "results" / "crisis-recall.txt"


def crisis_kind_of_reply(stack: Stack, pack: ContentPack, message: str) -> Optional[str]:
    """The crisis reply a fresh conversation gets for the message (a crisis kind), or None."""
    # A fresh conversation per message: recall must not depend on what came before.
    replies = stack.say(secrets.token_hex(8), message)
    text = "\n".join(r.get("text") or "" for r in replies)
    for kind, reply in pack.crisis.replies():
        if kind != "unavailable" and reply.text.strip() in text:
            return kind
    # "he's woken up. got to go": the danger answer in its shortest form, the screen cleared and
    # 999 (with 55 if they can't speak) in one line (rasa_plugins/crisis_detector.py, LEAVE_NOW).
    leave_now = pack.message("leave_now").strip()
    if text.strip() == leave_now and "999" in leave_now:
        return "danger"
    return None


def test_crisis_recall_and_false_alarms_over_rest(stack: Stack, pack: ContentPack, capsys: pytest.CaptureFixture[str]) -> None:
    texts = sorted({message.text for message in all_messages()})
    with ThreadPoolExecutor(max_workers=4) as pool:
        answered = dict(zip(texts, pool.map(lambda m: crisis_kind_of_reply(stack, pack, m), texts), strict=True))
    figures = family_figures(answered.__getitem__)
    direct, calm = figures["direct"], figures["calm"]
    summary = (
        f"crisis recall over REST: {direct.hits}/{direct.total} = {direct.rate:.1%}; "
        f"false alarms: {calm.hits}/{calm.total} = {calm.rate:.1%}\n"
        # Issue #21's families, reported and not yet asserted here: tests/test_crisis_families.py holds the targets.
        "per family over REST:\n" + "\n".join(figure.line() for figure in figures.values())
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(summary + "\n")
    with capsys.disabled():
        print("\n" + summary)
    assert direct.failures == [], f"crisis messages not answered as crisis: {direct.failures}"
    assert calm.rate <= MAX_FALSE_ALARM_RATE, f"too many false alarms: {calm.failures}"
