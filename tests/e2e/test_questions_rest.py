"""The question dev set through the running Rasa server's REST channel: NLU, rules, actions and the index together."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import ContentPack
from tests.support.stack import Stack

pytestmark = pytest.mark.stack

DEV_SET = Path(__file__).resolve().parents[1] / "questions_dev" / "questions.yml"
RESULTS = Path(__file__).resolve().parents[2] / "results" / "questions-dev.txt"
#: The goal is 0.95; measured 235/246 = 95.5% on 2026-11-29 (NLU topic, then the question within it;
#: docs/conversation.md). A retrained model moves a few answers either way, so the floor leaves room.
TARGET = 0.92
#: The button the region question offers for England and Wales (what a survivor there presses).
ENGLAND_WALES = '/inform_region{"region":"england_wales"}'


def first_reply(stack: Stack, pack: ContentPack, message: str) -> str:
    """What a fresh conversation answers first, after pressing England and Wales if the region is asked."""
    sender = secrets.token_hex(8)
    replies = stack.say(sender, message)
    text = "\n".join(r.get("text") or "" for r in replies)
    if pack.message("region_question") in text:
        replies = stack.say(sender, ENGLAND_WALES)
        text = "\n".join(r.get("text") or "" for r in replies)
    return text


def test_the_question_dev_set_is_answered_in_the_first_reply(
    stack: Stack, pack: ContentPack, capsys: pytest.CaptureFixture[str]
) -> None:
    items: list[dict[str, Any]] = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["questions"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda item: first_reply(stack, pack, item["text"]), items))
    missed = [item for item, reply in zip(items, replies, strict=True) if item["must_contain"].lower() not in reply.lower()]
    right = len(items) - len(missed)
    summary = f"question dev set over REST (first reply, after the region): {right}/{len(items)} = {right / len(items):.1%}\n"
    # Only the expected ids are written: the results file holds no dev-set wording a reader could mistake for logs.
    summary += "missed (expected id): " + ", ".join(sorted(item["expect"] for item in missed)) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(summary)
    with capsys.disabled():
        print("\n" + summary)
    assert right / len(items) >= TARGET, summary
