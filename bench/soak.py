"""Load and soak: many conversations at once through the web API, crisis messages mixed in.

    python -m bench.soak                                   # 100 conversations at once for 10 minutes
    python -m bench.soak --conversations 100 --seconds 60  # the version `make test` runs

It starts our stack as `make run` does (action server, Rasa, gateway; all on 127.0.0.1 with free
ports, conversations expiring after --ttl seconds of silence, the web API's rate limits lifted),
then (after one unmeasured pass through every scripted message) runs --conversations simulated
survivors, arriving over the first 10 s, each holding scripted conversations back to back
through the gateway's web API (`/api/session`, `/api/message`) until --seconds have passed. Every
--crisis-every-th message is instead a message from the crisis dev set (tests/crisis_dev), which
must be answered with 999. The resident memory of every process is sampled every few seconds.

It passes (exit 0) only when: no request failed (a reply from the gateway's static fallback
counts as a failure: Rasa was not reached), every crisis message was answered with 999, no process
exited, and no process's memory grew by more than --max-growth between the first and second
half of the run. Each loop is bounded in count and time; nothing leaves the machine.

--pace F is the version that a busy machine cannot fail (the one `make test` runs): it first
measures what this stack answers per second right now, then offers only the fraction F of that
(each survivor pauses between messages), and a static-fallback reply is counted but is not a
failure: it is still an answer with the crisis numbers. What must hold is that no message is
lost and every crisis message gets 999.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp

from bench import load
from bench.conversations import CONVERSATIONS
from bench.stats import summarize
from bench.variants import Stack, ensure_ours, ours_stack
from tests.crisis_dev.sets import crisis_messages

#: What a crisis reply must contain, whatever else the content pack says around it.
EMERGENCY_NUMBER = "999"
MEMORY_SAMPLE_SECONDS = 5.0
COLD_START_TIMEOUT_SECONDS = 300.0
#: The simulated survivors start one after another over this long (at most a sixth of the run).
RAMP_SECONDS = 10.0


@dataclass(frozen=True)
class SoakPlan:
    conversations: int = 100
    seconds: float = 600.0
    #: TRACKER_TTL_SECONDS for the stack: short, so expiry runs many times during the soak.
    ttl_seconds: int = 60
    #: Every n-th message is a crisis message from the dev set.
    crisis_every: int = 10
    #: Largest allowed growth of any process's peak memory from the first half to the second.
    max_growth: float = 0.10
    #: None: every survivor sends as soon as answered (the stack saturated). A fraction: offer only
    #: that share of the capacity measured at the start, and count static fallbacks without failing.
    pace: Optional[float] = None

    @property
    def fallback_is_failure(self) -> bool:
        """Saturated runs measure the stack, so Rasa not answering in time is a failure; paced ones don't."""
        return self.pace is None


@dataclass
class SoakReport:
    plan: SoakPlan
    seconds: float = 0.0
    messages: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    crisis_sent: int = 0
    crisis_with_999: int = 0
    crisis_missed: list[str] = field(default_factory=list)
    #: Replies from the gateway's static fallback (Rasa not reached in time) and from Rasa.
    fallbacks: int = 0
    from_rasa: int = 0
    #: Crisis messages the gateway answered itself, at once, because Rasa was slow (rasa_client.py);
    #: not a fallback: Rasa still gets the message and the conversation carries on there.
    crisis_first: int = 0
    #: Paced runs: messages per second the stack answered in the calibration burst, and the pause
    #: each survivor then took between messages.
    capacity_per_s: float = 0.0
    think_seconds: float = 0.0
    latency: dict[str, Any] = field(default_factory=dict)
    crisis_latency: dict[str, Any] = field(default_factory=dict)
    #: (seconds since start, {process: RSS MiB}) every MEMORY_SAMPLE_SECONDS.
    memory: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    growth: dict[str, float] = field(default_factory=dict)
    exited: list[str] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def problems(self) -> list[str]:
        """Why the run failed; empty when it passed."""
        found = []
        if self.error:
            found.append(self.error)
        if self.failures:
            found.append(f"failed requests: {dict(self.failures)}")
        if self.messages and self.from_rasa == 0:
            found.append("no reply came from Rasa")
        if self.crisis_sent == 0:
            found.append("no crisis message was sent")
        if self.crisis_with_999 != self.crisis_sent:
            found.append(f"crisis messages answered without 999: {self.crisis_sent - self.crisis_with_999}")
        if self.exited:
            found.append(f"processes exited: {self.exited}")
        grown = {name: growth for name, growth in self.growth.items() if growth > self.plan.max_growth}
        if grown:
            found.append(f"memory grew by more than {self.plan.max_growth:.0%}: {grown}")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "throughput_per_s": round(self.throughput, 1), "problems": self.problems()}


class Survivor:
    """One simulated person: scripted conversations back to back, a crisis message now and then."""

    def __init__(self, index: int, base_url: str, crisis: itertools.cycle, counter: itertools.count) -> None:  # type: ignore[type-arg]
        self.base_url = base_url
        self.headers = {"Origin": base_url}
        self.scripts = itertools.cycle(CONVERSATIONS[index % len(CONVERSATIONS) :] + CONVERSATIONS[: index % len(CONVERSATIONS)])
        self.crisis = crisis
        self.counter = counter

    async def post(self, http: aiohttp.ClientSession, path: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        try:
            async with http.post(f"{self.base_url}{path}", json=payload, headers=self.headers) as response:
                if response.status != 200:
                    return f"{path}: HTTP {response.status}", {}
                body = await response.json(content_type=None)
                return (load.OK, body) if isinstance(body, dict) else (f"{path}: not an object", {})
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return f"{path}: {type(error).__name__}", {}

    async def run(
        self, http: aiohttp.ClientSession, start_after: float, deadline: float, report: SoakReport, times: dict[str, list[float]]
    ) -> None:
        await asyncio.sleep(start_after)
        for _ in range(100_000):
            if time.monotonic() >= deadline:
                return
            outcome, body = await self.post(http, "/api/session", {})
            session = body.get("session")
            # What the static fallback looks like, to tell it from the gateway's crisis-first reply.
            fallback = body.get("fallback")
            if outcome != load.OK or not isinstance(session, str):
                kind = outcome if outcome != load.OK else "/api/session: no id"
                report.failures[kind] = report.failures.get(kind, 0) + 1
                await asyncio.sleep(0.5)
                continue
            for text in next(self.scripts):
                if time.monotonic() >= deadline:
                    return
                is_crisis = next(self.counter) % report.plan.crisis_every == 0
                message = next(self.crisis) if is_crisis else text
                start = time.perf_counter()
                outcome, body = await self.post(http, "/api/message", {"session": session, "text": message})
                elapsed = time.perf_counter() - start
                replies = body.get("replies") or []
                if outcome == load.OK and not replies:
                    outcome = "/api/message: no replies"
                elif outcome == load.OK and body.get("from_rasa") is False and is_crisis and replies != fallback:
                    report.crisis_first += 1
                elif outcome == load.OK and body.get("from_rasa") is False:
                    report.fallbacks += 1
                    if report.plan.fallback_is_failure:
                        outcome = "/api/message: static fallback (Rasa not reached)"
                elif outcome == load.OK:
                    report.from_rasa += 1
                report.messages += 1
                if report.think_seconds:
                    await asyncio.sleep(min(report.think_seconds, max(0.0, deadline - time.monotonic())))
                if outcome != load.OK:
                    report.failures[outcome] = report.failures.get(outcome, 0) + 1
                    continue
                times["all"].append(elapsed)
                if is_crisis:
                    report.crisis_sent += 1
                    times["crisis"].append(elapsed)
                    if any(EMERGENCY_NUMBER in str(reply.get("text") or "") for reply in replies):
                        report.crisis_with_999 += 1
                    elif len(report.crisis_missed) < 20:
                        report.crisis_missed.append(message)


async def sample_memory(stack: Stack, start: float, deadline: float, report: SoakReport) -> None:
    while time.monotonic() < deadline:
        report.memory.append((round(time.monotonic() - start, 1), stack.memory_mb()))
        await asyncio.sleep(min(MEMORY_SAMPLE_SECONDS, max(0.0, deadline - time.monotonic())))
    report.memory.append((round(time.monotonic() - start, 1), stack.memory_mb()))


def memory_growth(samples: list[tuple[float, dict[str, float]]]) -> dict[str, float]:
    """Per process: peak RSS in the second half of the run relative to the peak in the first half."""
    if len(samples) < 4:
        return {}
    half = len(samples) // 2
    growth = {}
    for name in samples[0][1]:
        first = max(rss.get(name, 0.0) for _, rss in samples[:half])
        second = max(rss.get(name, 0.0) for _, rss in samples[half:])
        growth[name] = round(second / first - 1, 3) if first else 0.0
    return growth


#: How long, and with how many conversations at once, a paced run measures the stack's capacity.
CALIBRATION_SECONDS = 8.0
CALIBRATION_CONVERSATIONS = 10


async def capacity(stack: Stack) -> float:
    """Messages per second this stack answers right now through Rasa's REST channel, saturated."""
    window = await load.concurrency_window(stack, CALIBRATION_CONVERSATIONS, CALIBRATION_SECONDS)
    return window.answered / window.elapsed_s if window.elapsed_s else 0.0


def think_time(plan: SoakPlan, capacity_per_s: float) -> float:
    """The pause between one survivor's messages that offers `plan.pace` of the measured capacity.

    N survivors each sending one message every `think` seconds offer about N / think messages per
    second (their replies' latency only lowers that), so think = N / (pace * capacity).
    """
    if plan.pace is None:
        return 0.0
    # Capped so that each survivor still sends a few messages (and some are crises) on a crawling machine.
    return min(plan.conversations / (plan.pace * max(capacity_per_s, 0.1)), plan.seconds / 4)


async def drive(stack: Stack, plan: SoakPlan) -> SoakReport:
    """The load itself, on a stack that already answers."""
    report = SoakReport(plan)
    if plan.pace is not None:
        report.capacity_per_s = round(await capacity(stack), 1)
        report.think_seconds = round(think_time(plan, report.capacity_per_s), 2)
    assert stack.gateway_url, "the soak runs through the gateway's web API"
    crisis = itertools.cycle([message for _, message in crisis_messages()])
    counter = itertools.count(1)
    times: dict[str, list[float]] = {"all": [], "crisis": []}
    start = time.monotonic()
    deadline = start + plan.seconds
    survivors = [Survivor(i, stack.gateway_url, crisis, counter) for i in range(plan.conversations)]
    # People arrive over a few seconds, not all in the same millisecond.
    ramp = min(RAMP_SECONDS, plan.seconds / 6) / plan.conversations
    async with load.client(plan.conversations) as http:
        sampler = asyncio.ensure_future(sample_memory(stack, start, deadline, report))
        await asyncio.wait_for(
            asyncio.gather(*(survivor.run(http, i * ramp, deadline, report, times) for i, survivor in enumerate(survivors))),
            timeout=plan.seconds + load.REQUEST_TIMEOUT_SECONDS + 30,
        )
        report.seconds = round(time.monotonic() - start, 1)
        await sampler
    report.latency = summarize(times["all"]).as_dict()
    report.crisis_latency = summarize(times["crisis"]).as_dict()
    report.growth = memory_growth(report.memory)
    report.exited = stack.dead()
    return report


def run(plan: SoakPlan, work: Optional[Path] = None) -> SoakReport:
    """Start a stack of ours (reusing the trained model), soak it, stop it; always stops every process."""
    work = work or Path(tempfile.mkdtemp(prefix="survivor-soak-"))
    stack = ours_stack(work, "soak", ensure_ours(work).model, plan.ttl_seconds, with_gateway=True)
    try:
        stack.start()
        cold = asyncio.run(load.cold_start(stack, COLD_START_TIMEOUT_SECONDS))
        if cold.first_answer_s is None:
            report = SoakReport(plan, error=f"the stack did not start: {cold.error}")
            report.exited = stack.dead()
            return report
        asyncio.run(load.warm_up(stack))  # every scripted message once, one at a time (not measured)
        return asyncio.run(drive(stack, plan))
    finally:
        stack.stop()


def summary_lines(report: SoakReport) -> list[str]:
    latency, crisis = report.latency, report.crisis_latency
    first, last = (report.memory[0][1], report.memory[-1][1]) if report.memory else ({}, {})
    paced = (
        f"; paced at {report.plan.pace:.0%} of the {report.capacity_per_s:.1f} messages/s measured first"
        f" ({report.think_seconds:.1f} s between a survivor's messages)"
        if report.plan.pace is not None
        else ""
    )
    lines = [
        f"{report.plan.conversations} conversations at once for {report.seconds:.0f} s "
        f"(TTL {report.plan.ttl_seconds} s, every {report.plan.crisis_every}th message a crisis{paced})",
        f"messages: {report.messages} ({report.throughput:.1f}/s); failed: {sum(report.failures.values())} {report.failures or ''}",
        f"answered by Rasa: {report.from_rasa}; by the static fallback (Rasa not reached in time): {report.fallbacks}; "
        f"crises answered first by the gateway: {report.crisis_first}",
        f"latency p50/p95/p99: {latency.get('p50_ms', 0):.0f} / {latency.get('p95_ms', 0):.0f} / {latency.get('p99_ms', 0):.0f} ms",
        f"crisis messages answered with 999: {report.crisis_with_999}/{report.crisis_sent}"
        f" (p95 {crisis.get('p95_ms', 0):.0f} ms)",
    ]
    for name in first:
        peak = max(rss.get(name, 0.0) for _, rss in report.memory)
        growth = report.growth.get(name, 0.0)
        lines.append(f"RSS {name}: {first[name]:.0f} -> {last.get(name, 0):.0f} MiB (peak {peak:.0f}; growth {growth:+.1%})")
    problems = report.problems()
    lines.append("PASSED" if not problems else "FAILED: " + "; ".join(problems))
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=SoakPlan.conversations)
    parser.add_argument("--seconds", type=float, default=SoakPlan.seconds)
    parser.add_argument("--ttl", type=int, default=SoakPlan.ttl_seconds)
    parser.add_argument("--crisis-every", type=int, default=SoakPlan.crisis_every)
    parser.add_argument("--max-growth", type=float, default=SoakPlan.max_growth)
    parser.add_argument("--pace", type=float, default=None, help="offer this fraction of the measured capacity (0..1)")
    parser.add_argument("--out", type=Path, default=Path("results/soak.json"))
    args = parser.parse_args(argv)
    if not (1 <= args.conversations <= 1000 and 1 <= args.seconds <= 3600 and args.crisis_every >= 1):
        parser.error("--conversations 1..1000, --seconds 1..3600, --crisis-every at least 1")
    if args.pace is not None and not 0 < args.pace <= 1:
        parser.error("--pace is a fraction of the measured capacity: more than 0, at most 1")
    plan = SoakPlan(args.conversations, args.seconds, args.ttl, args.crisis_every, args.max_growth, args.pace)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="survivor-soak-"))
    try:
        report = run(plan, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for line in summary_lines(report):
        print(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    print(f"JSON in {args.out}")
    return 0 if not report.problems() else 1


if __name__ == "__main__":
    sys.exit(main())
