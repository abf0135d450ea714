"""The conversation dev set is well formed: every case can be run and every check means something."""

from __future__ import annotations

from bot.content.loader import ContentPack
from bot.content.schema import CRISIS_REPLY_KINDS, Region
from tests.conversations_dev.cases import check_kind, load_cases

#: Issue 19 asks for at least this many multi-turn cases.
MIN_CASES = 40


def test_the_set_holds_enough_cases_with_unique_names() -> None:
    cases = load_cases()
    assert len(cases) >= MIN_CASES
    names = [case.name for case in cases]
    assert len(set(names)) == len(names)


def test_every_case_has_one_list_of_checks_per_turn_and_checks_something() -> None:
    for case in load_cases():
        assert case.turns, case.name
        assert len(case.expect) == len(case.turns), case.name
        assert any(case.expect), f"{case.name} checks nothing, so it could pass without asserting"
        assert all(turn.strip() for turn in case.turns), case.name


def test_every_referenced_message_topic_crisis_kind_and_region_exists_in_the_pack(pack: ContentPack) -> None:
    regions = {region.value for region in Region}
    for case in load_cases():
        assert case.region is None or case.region in regions, case.name
        for checks in case.expect:
            for check in checks:
                kind = check_kind(check)  # raises on an unknown or ambiguous check
                value = check[kind]
                assert check.get("region") is None or check["region"] in regions, case.name
                if kind in ("has_message", "not_message"):
                    assert value in pack.messages, f"{case.name}: no message {value!r}"
                elif kind in ("crisis", "not_crisis"):
                    assert value in CRISIS_REPLY_KINDS, f"{case.name}: no crisis kind {value!r}"
                elif kind == "topic":
                    assert value in pack.topics, f"{case.name}: no topic {value!r}"
                else:
                    assert isinstance(value, str) and value, case.name


def test_a_message_with_a_region_placeholder_is_only_checked_in_a_case_with_a_region(pack: ContentPack) -> None:
    for case in load_cases():
        for checks in case.expect:
            for check in checks:
                kind = check_kind(check)
                if kind in ("has_message", "not_message") and "{region}" in pack.messages[check[kind]]:
                    assert check.get("region", case.region), f"{case.name}: {check[kind]} needs a region"
