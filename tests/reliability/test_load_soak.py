"""Load and soak in `make test`: a paced minute that a busy machine cannot fail.

The full soak, which saturates the stack and counts every static-fallback reply as a failure, is
`python -m bench.soak` (figures in docs/benchmarks.md). Here the same survivors talk through the
gateway's web API of a real stack, but only at a quarter of the capacity measured at the start,
so a slow or busy machine lowers the rate instead of failing the check. What must hold whatever
the machine: no message is lost (every one gets an HTTP 200 with replies), every crisis message
is answered with 999 (from Rasa, or from the gateway's static fallback, which also has it), no
process exits, and no process's memory grows by more than 10% from the first half to the second.
"""

from __future__ import annotations

import pytest

from bench.soak import SoakPlan, SoakReport, memory_growth, run, summary_lines, think_time

PLAN = SoakPlan(conversations=30, seconds=60, ttl_seconds=20, crisis_every=5, pace=0.25)

pytestmark = pytest.mark.soak


def test_a_paced_minute_of_30_conversations_loses_no_message_and_answers_every_crisis_with_999() -> None:
    report = run(PLAN)
    print("\n".join(summary_lines(report)))
    assert report.problems() == []
    assert report.capacity_per_s > 0, "the capacity was not measured, so the pace means nothing"
    assert report.messages >= PLAN.conversations, "some simulated survivors never got an answer"
    assert report.crisis_sent >= report.messages // PLAN.crisis_every - PLAN.conversations
    assert len(report.memory) >= 10


def test_the_pace_offers_the_chosen_fraction_of_the_measured_capacity() -> None:
    # 30 survivors at a quarter of 40 messages/s: one message each every 3 s (10 messages/s in all).
    assert think_time(PLAN, 40.0) == 3.0
    # Unpaced runs never pause; a crawling machine still gets a few messages from each survivor.
    assert think_time(SoakPlan(), 40.0) == 0.0
    assert think_time(PLAN, 0.01) == PLAN.seconds / 4


def test_the_soak_verdict_catches_each_kind_of_problem() -> None:
    """The checks above cannot pass by accident: each problem the soak looks for fails it."""
    plan = SoakPlan()
    healthy = SoakReport(plan, messages=10, from_rasa=10, crisis_sent=1, crisis_with_999=1, growth={"Rasa server": 0.02})
    assert healthy.problems() == []
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, failures={"/api/message: HTTP 502": 1}).problems()
    assert SoakReport(plan, crisis_sent=2, crisis_with_999=1).problems()
    assert SoakReport(plan, crisis_sent=0).problems()
    assert SoakReport(plan, messages=10, from_rasa=0, fallbacks=10, crisis_sent=1, crisis_with_999=1).problems()
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, exited=["gateway"]).problems()
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, growth={"Rasa server": 0.2}).problems()
    samples = [(t, {"Rasa server": rss}) for t, rss in enumerate((500, 510, 505, 600, 650, 700))]
    assert memory_growth(samples)["Rasa server"] > 0.3


def test_only_a_saturated_run_counts_a_static_fallback_as_a_failure() -> None:
    assert SoakPlan().fallback_is_failure
    assert not PLAN.fallback_is_failure
