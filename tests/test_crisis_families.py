"""Crisis targets for the matcher alone, per family of the crisis dev set (no Rasa needed).

A harm_risk message counts as caught when answered "harm_risk" or "danger", a suicide one only
"suicide", a danger one only "danger"; any crisis answer to a non-crisis message is a false alarm
(rules in tests/crisis_dev/sets.py). `python -m tests.crisis_dev.sets --misses` lists what fails.
"""

from __future__ import annotations

import pytest

from rasa_plugins.crisis_matcher import CrisisMatcher
from tests.crisis_dev.sets import Figure, family_figures

# The lead removes this mark when the crisis v2 matcher lands.

MIN_INDIRECT_RECALL = 0.95
MAX_HARD_FALSE_ALARM_RATE = 0.08


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    return family_figures(CrisisMatcher.from_content_dir().detect)


def test_direct_crisis_messages_are_all_still_caught(figures: dict[str, Figure]) -> None:
    assert figures["direct"].failures == []


def test_indirect_suicide_and_harm_risk_signs_are_caught_at_least_95_percent(figures: dict[str, Figure]) -> None:
    indirect = figures["indirect"]
    assert indirect.rate >= MIN_INDIRECT_RECALL, indirect.failures


def test_danger_said_indirectly_always_gets_the_danger_reply(figures: dict[str, Figure]) -> None:
    assert figures["danger"].failures == []


def test_false_alarms_on_the_hard_non_crisis_set_stay_at_most_8_percent(figures: dict[str, Figure]) -> None:
    hard = figures["hard"]
    assert hard.rate <= MAX_HARD_FALSE_ALARM_RATE, hard.failures
