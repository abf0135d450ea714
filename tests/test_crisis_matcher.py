"""The deterministic crisis matcher on the crisis dev set (no Rasa needed): 100% recall, few false alarms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentPack
from bot.content.render import static_fallback
from rasa_plugins.crisis_matcher import CrisisMatcher, normalise
from tests.crisis_dev.sets import (
    all_messages,
    crisis_messages,
    family_figures,
    hard_non_crisis_messages,
    indirect_messages,
    non_crisis_messages,
    report,
)

#: Most false alarms the non-crisis set may raise (docs/safety.md allows 10% through Rasa; the matcher alone is held to 5%).
MAX_FALSE_ALARM_RATE = 0.05
FAMILY_RESULTS = Path(__file__).resolve().parents[1] / "results" / "crisis-families.txt"


def test_dev_set_is_big_and_varied_enough() -> None:
    crisis = crisis_messages()
    assert sum(1 for kind, _ in crisis if kind == "danger") >= 75
    assert sum(1 for kind, _ in crisis if kind == "suicide") >= 75
    assert len(crisis) >= 150 and len(non_crisis_messages()) >= 100


def test_indirect_and_hard_sets_hold_every_family_issue_21_names() -> None:
    indirect = indirect_messages()
    hard = hard_non_crisis_messages()
    families = {(m.kind, m.family) for m in indirect + hard}
    assert len(indirect) >= 220 and sum(1 for m in indirect if m.kind == "danger") >= 30
    assert len(hard) >= 170
    assert {("suicide", f) for f in ("preparation", "hopelessness", "goodbye")} <= families
    dash = ("strangulation", "threat_to_kill", "weapons", "escalation", "separation", "stalking", "pregnancy")
    assert {("harm_risk", f) for f in (*dash, "police_partner")} <= families
    assert {("none", f) for f in ("past_abuse", "idiom", "negation", "firearms_job", "pension_will", "goodbye")} <= families


def test_no_message_is_labelled_both_crisis_and_not() -> None:
    labels: dict[str, set[bool]] = {}
    for message in all_messages():
        labels.setdefault(normalise(message.text), set()).add(message.kind != "none")
    assert [text for text, kinds in labels.items() if len(kinds) > 1] == []


def test_per_family_figures_are_measured_and_reported(pack: ContentPack, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue #21 wants recall and false alarms reported per family in `make test`; the targets
    # themselves are asserted in tests/test_crisis_families.py.
    figures = family_figures(pack.crisis_matcher.detect)
    assert all(figure.total > 0 for figure in figures.values())
    summary = "crisis matcher on the dev set, per family:\n" + report(pack.crisis_matcher.detect, detail=False)
    FAMILY_RESULTS.parent.mkdir(exist_ok=True)
    FAMILY_RESULTS.write_text(summary + "\n")
    with capsys.disabled():
        print("\n" + summary)


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


@pytest.mark.parametrize(
    "message,kind",
    [
        # One example per family, so a pattern file that loses a family fails here; the dev sets
        # (tests/crisis_dev) measure how well each family generalises.
        ("I've sorted my will and left letters for everyone", "suicide_signs"),
        ("i keep ending up at the bridge on my way home", "suicide_signs"),
        ("look after the boys for me", "suicide_signs"),
        ("he had me up against the wall by my throat on friday", "harm_risk"),
        ("he said if I go to PSD he'll kill me", "harm_risk"),
        ("my husband is an AFO and keeps reminding me he has access to guns", "harm_risk"),
        ("he looked up my new address on the PNC", "harm_risk"),
    ],
)
def test_warning_sign_families_get_their_graded_kind(pack: ContentPack, message: str, kind: str) -> None:
    assert pack.crisis_matcher.detect(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "I'm not suicidal, I just want to know my options",
        "i'm not going to do anything stupid",
        "this paperwork is killing me",
        "I'd die of embarrassment if my team knew",
        "I just want it to stop, he keeps touching me on shift",
        "he choked me once, years ago, and I've dealt with it",
    ],
)
def test_negations_idioms_and_calm_past_accounts_are_not_crises(pack: ContentPack, message: str) -> None:
    assert pack.crisis_matcher.detect(message) is None


def test_a_negation_blanks_only_itself_so_the_rest_of_the_message_still_counts(pack: ContentPack) -> None:
    assert pack.crisis_matcher.detect("I'm not suicidal but he had his hands round my neck tonight") is not None
    assert pack.crisis_matcher.negated("I'm not suicidal")
    assert not pack.crisis_matcher.negated("I am suicidal")


def test_past_markers_never_explain_away_danger_now(pack: ContentPack) -> None:
    assert pack.crisis_matcher.detect("he strangled me years ago and now he's outside my house") == "danger"
    assert pack.crisis_matcher.detect("he used to choke me and he's started again") == "harm_risk"


def test_static_fallback_answers_a_crisis_with_its_graded_reply_first(pack: ContentPack) -> None:
    replies = static_fallback(pack, "everyone would be better off without me")
    assert pack.crisis.suicide_signs.text.strip().splitlines()[0] in replies[0].text
    assert "116 123" in replies[-1].text and "999" in replies[-1].text
    assert len(static_fallback(pack, "what is a SARC")) == 1


def test_a_huge_paste_is_read_up_to_the_longest_message_a_channel_carries(pack: ContentPack) -> None:
    from rasa_plugins.crisis_matcher import MAX_CHARS

    early = "I want to kill myself. " + "help " * 20_000
    assert pack.crisis_matcher.detect(early) == "suicide"
    late = "help " * (MAX_CHARS // 5 + 10) + "I want to kill myself"
    assert pack.crisis_matcher.detect(late) is None  # past 4,096 characters: no channel sends that in one message
