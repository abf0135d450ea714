"""Each first reply fits one phone screen: about 120 words and two services before "Tell me more".

Issue #18 ("Short replies, no repetition") and #14 (the widget's phone-screen fit). The figures
for every reply are printed with `pytest -s`; the widget's own measure is in tests/browser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from actions.base import intro_text
from bot.content import render
from bot.content.lint import lint_pack
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID
from bot.content.screens import (
    MAX_REPLY_SERVICES,
    MAX_REPLY_WORDS,
    WORST_CASE_TIME,
    first_replies,
    replies_services,
    replies_words,
    reply_words,
)


@pytest.fixture(autouse=True)
def closed_services(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render at a time most services are closed, when their hours read longest: never a flaky count."""
    real = render.open_status
    monkeypatch.setattr(render, "open_status", lambda helpline, now=None: real(helpline, now or WORST_CASE_TIME))


def test_words_are_what_a_reader_sees() -> None:
    assert reply_words("**Victim Support**: call 08 08 16 89 111\n- one\nhttps://victimsupport.org.uk/") == 6


def test_every_first_reply_fits_one_phone_screen(pack: ContentPack) -> None:
    measured = list(first_replies(pack, intro_text(pack)))
    assert len(measured) > 200
    too_long = []
    for name, replies in measured:
        words, services = replies_words(replies), replies_services(pack, replies)
        print(f"{name}: {words} words, {services} services")
        # Danger with the region not known: one service per region, each the same kind of help.
        allowed = len(pack.enabled_regions) if name.startswith("crisis") and "not known" in name else MAX_REPLY_SERVICES
        if words > MAX_REPLY_WORDS or services > allowed:
            too_long.append(f"{name}: {words} words, {services} services")
    assert not too_long, "\n".join(too_long)


def test_the_pack_passes_its_length_lint(pack: ContentPack) -> None:
    findings = [f for f in lint_pack(pack, dt.date(2026, 12, 1)) if "phone screen" in f.message]
    assert not findings, "\n".join(map(str, findings))


def test_a_service_shown_once_is_left_out_of_later_pages_unless_asked_for(pack: ContentPack) -> None:
    from actions.topics import ActionExplainTopic, ActionTellMeMore
    from tests.support.actions import run

    _, slots = run(ActionExplainTopic(), make(intent="ask_review", region="england_wales", region_asked=True))
    shown = slots["services_shown"]
    assert "victim_support" in shown
    more, _ = run(
        ActionTellMeMore(),
        make(intent="tell_me_more", region="england_wales", region_asked=True, last_topic="review", services_shown=shown),
    )
    assert "**Victim Support**" not in more[-1]["text"]
    # Asked for: the helplines topic shows them again.
    rape_crisis = pack.helplines["rape_crisis_ew"].name
    asked, _ = run(
        ActionExplainTopic(),
        make(intent="ask_helplines", region="england_wales", region_asked=True, services_shown=["rape_crisis_ew"]),
    )
    assert f"**{rape_crisis}**" in "\n".join(m["text"] for m in asked)


def test_crisis_numbers_appear_even_when_already_shown(pack: ContentPack) -> None:
    from actions.crisis import ActionCrisis
    from tests.support.actions import run

    messages, _ = run(
        ActionCrisis(),
        make(intent="crisis_suicide", text="I want to end it all", region=NOT_SAID, services_shown=list(pack.helplines)),
    )
    text = "\n".join(m["text"] for m in messages)
    assert "116 123" in text and "999" in text


def make(intent: str, text: str | None = None, **slots: Any) -> Any:
    from tests.support.trackers import make_tracker

    return make_tracker(intent, text=text, **slots)
