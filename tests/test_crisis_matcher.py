"""The deterministic crisis matcher on the crisis dev set (no Rasa needed): 100% recall, few false alarms."""

from __future__ import annotations

import pytest

from bot.content.loader import ContentPack
from bot.content.render import static_fallback
from bot.rasa_plugins.crisis_matcher import CrisisMatcher, normalise
from tests.crisis_dev.sets import crisis_messages, non_crisis_messages

#: Most false alarms the non-crisis set may raise (the issue allows 10%; we hold ourselves to 5%).
MAX_FALSE_ALARM_RATE = 0.05


def test_dev_set_is_big_and_varied_enough() -> None:
    crisis = crisis_messages()
    assert sum(1 for kind, _ in crisis if kind == "danger") >= 75
    assert sum(1 for kind, _ in crisis if kind == "suicide") >= 75
    assert len(crisis) >= 150 and len(non_crisis_messages()) >= 100


def test_every_crisis_message_is_caught(pack: ContentPack) -> None:
    missed = [message for _, message in crisis_messages() if pack.crisis_matcher.detect(message) is None]
    assert missed == []


def test_false_alarms_stay_rare(pack: ContentPack) -> None:
    alarms = [m for m in non_crisis_messages() if pack.crisis_matcher.detect(m)]
    assert len(alarms) / len(non_crisis_messages()) <= MAX_FALSE_ALARM_RATE, alarms


@pytest.mark.parametrize(
    "message,kind",
    [
        ("HES OUTSIDE", "danger"),
        ("he\u2019s outside", "danger"),  # curly apostrophe from a phone keyboard
        ("i w4nt t0 d1e", "suicide"),  # digits for letters
        ("i want to dieeeeee", "suicide"),
        ("i want to kill\u200bmyself", "suicide"),  # zero-width space
    ],
)
def test_spelling_tricks_do_not_hide_a_crisis(pack: ContentPack, message: str, kind: str) -> None:
    assert pack.crisis_matcher.detect(message) == kind


def test_empty_pattern_list_is_refused() -> None:
    with pytest.raises(ValueError, match="must never be empty"):
        CrisisMatcher.from_mapping({"danger": [], "suicide": ["x"]})


def test_normalise_folds_case_quotes_and_spaces() -> None:
    assert normalise("  He\u2019s   OUTSIDE\u200b ") == "he's outside"


def test_static_fallback_gives_999_samaritans_and_a_service(pack: ContentPack) -> None:
    text = "\n".join(reply.text for reply in static_fallback(pack))
    assert "999" in text and "55" in text and "116 123" in text
    assert any(pack.helplines[h].name in text for h in pack.menu.signpost["not_said"])
