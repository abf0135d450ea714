"""Load and soak, the 60-second version of `python -m bench.soak` (the 10-minute run is in docs/benchmarks.md).

100 conversations at once through the gateway's web API of a real stack, every 10th message a
crisis message from the dev set: no request may fail, every crisis message must be answered with
999, no process may exit and no process's memory may grow by more than 10% from the first half
of the run to the second (conversations expire after 20 s of silence, so expiry runs throughout).
"""

from __future__ import annotations

from bench.soak import SoakPlan, SoakReport, memory_growth, run, summary_lines


def test_one_minute_of_100_conversations_with_crises_mixed_in() -> None:
    report = run(SoakPlan(conversations=100, seconds=60, ttl_seconds=20, crisis_every=10))
    print("\n".join(summary_lines(report)))
    assert report.problems() == []
    assert report.messages > 500, "the stack answered far fewer messages than it can"
    assert report.crisis_sent >= report.messages // 10 - report.plan.conversations
    assert len(report.memory) >= 10


def test_the_soak_verdict_catches_each_kind_of_problem() -> None:
    """The checks above cannot pass by accident: each problem the soak looks for fails it."""
    plan = SoakPlan()
    healthy = SoakReport(plan, messages=10, crisis_sent=1, crisis_with_999=1, growth={"Rasa server": 0.02})
    assert healthy.problems() == []
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, failures={"/api/message: HTTP 502": 1}).problems()
    assert SoakReport(plan, crisis_sent=2, crisis_with_999=1).problems()
    assert SoakReport(plan, crisis_sent=0).problems()
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, exited=["gateway"]).problems()
    assert SoakReport(plan, crisis_sent=1, crisis_with_999=1, growth={"Rasa server": 0.2}).problems()
    samples = [(t, {"Rasa server": rss}) for t, rss in enumerate((500, 510, 505, 600, 650, 700))]
    assert memory_growth(samples)["Rasa server"] > 0.3
