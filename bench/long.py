"""Long conversations and a realistic mix of lengths, ours against stock Rasa in one run.

    python -m bench.long --stock-model results/stock.tar.gz          # trains it there the first time
    python -m bench.long --skip-stock                                 # ours only
    python -m bench.long --stock-model results/stock.tar.gz --turns 300 --mix-conversations 60

Two figures, both through Rasa's REST channel on 127.0.0.1:

1. **Long conversation.** One conversation of --turns turns on each stack (topic questions, "tell
   me more" page after page, "thank you", a region), the turns alternating between the stacks so
   that background load falls on both alike. Reported: the median latency of the 10 turns ending
   at turns 10, 50, 100, 200 and 300 (turns 1-5 for turn 1), and the growth from turn 10.
2. **Realistic mix.** --mix-conversations conversations, half short (the 3-5 turn scripts of
   bench/conversations.py), a third of 20-40 turns and a sixth of 100-150 turns, taken from one
   queue by --mix-at-once clients at once, longest first (so the long ones run all along and
   reach their late, expensive turns while the server is still full). Throughput is counted from
   the first request until fewer than a quarter of the clients still have a conversation (a
   Rasa server is one thread: a few clients keep it busy); the rest of the conversations is not
   sent, so the last long conversations finishing alone neither count nor take time. Every
   stack gets the same conversations, ours first.

--stock-model PATH reuses a stock model (same domain and data, Rasa's default config; see
bench/variants.py), or trains one into PATH when it does not exist yet (about 10 minutes on an
idle 2-core machine, much longer on a busy one), so later runs take minutes. Every process is
stopped at the end, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from bench import load
from bench.conversations import CONVERSATIONS, sender_id
from bench.procs import peak_rss_mb
from bench.report import machine_info
from bench.stats import summarize
from bench.variants import Stack, ensure_ours, ours_stack, stock_stack, train_stock
from bot.settings import PROJECT_ROOT, Settings

COLD_START_TIMEOUT_SECONDS = 600.0
CHECKPOINTS = (1, 10, 50, 100, 200, 300)
#: Turns per checkpoint whose median is reported.
WINDOW = 10

#: What a survivor taking their time says: topics, page after page, thanks, a region, back again.
LONG_SCRIPT: tuple[str, ...] = (
    "how do i report a police officer for rape",
    "tell me more",
    "tell me more",
    "thank you",
    "what happens at a gross misconduct hearing",
    "I'm in Scotland",
    "tell me more",
    "who can I talk to",
    "can I get criminal injuries compensation",
    "tell me more",
    "can I do the criminal and misconduct route at the same time",
    "tell me more",
    "what is a SARC",
    "thank you",
)


def long_messages(turns: int) -> list[str]:
    """`turns` messages of one long conversation: a greeting, then LONG_SCRIPT over and over."""
    return ["hello"] + [LONG_SCRIPT[i % len(LONG_SCRIPT)] for i in range(turns - 1)]


def mix(conversations: int) -> list[list[str]]:
    """Half short, a third 20-40 turns, a sixth 100-150 turns, longest first (deterministic)."""
    plan: list[list[str]] = []
    for index in range(conversations):
        slot = index % 6
        if slot in (0, 2, 4):
            plan.append(list(CONVERSATIONS[(index // 2) % len(CONVERSATIONS)]))
        elif slot in (1, 5):
            plan.append(long_messages(20 + (index * 7) % 21))
        else:
            plan.append(long_messages(100 + (index * 13) % 51))
    return sorted(plan, key=len, reverse=True)


def window_for(checkpoint: int) -> tuple[int, int]:
    """1-based turns (first, last) whose median stands for `checkpoint`: the first 5, else the 10 ending there."""
    if checkpoint < WINDOW:
        return 1, 5
    return checkpoint - WINDOW + 1, checkpoint


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


@dataclass
class LongResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def medians(self) -> dict[int, float]:
        found = {}
        for checkpoint in CHECKPOINTS:
            first, last = window_for(checkpoint)
            if len(self.latencies_ms) >= last:
                found[checkpoint] = round(statistics.median(self.latencies_ms[first - 1 : last]), 1)
        return found


async def long_conversation(stacks: list[Stack], turns: int) -> dict[str, LongResult]:
    """One conversation per stack, turn by turn, alternating between the stacks."""
    results = {stack.variant: LongResult() for stack in stacks}
    senders = {stack.variant: sender_id(f"bench-long-{stack.variant}") for stack in stacks}
    async with load.client(2) as session:
        for turn, text in enumerate(long_messages(turns), start=1):
            for stack in stacks:
                start = time.perf_counter()
                outcome = await load.rest_send(session, stack.rest_url, senders[stack.variant], text)
                elapsed = (time.perf_counter() - start) * 1000
                # A failed turn still counts at its place (its time until the failure), so turns stay aligned.
                results[stack.variant].latencies_ms.append(elapsed)
                if outcome != load.OK:
                    results[stack.variant].errors[outcome] += 1
            if turn in CHECKPOINTS or turn % 50 == 0:
                say(
                    f"long conversation: turn {turn}: "
                    + ", ".join(f"{v} {r.latencies_ms[-1]:.0f} ms" for v, r in results.items())
                )
    return results


@dataclass
class MixResult:
    conversations: int
    at_once: int
    saturated_s: float
    answered_saturated: int
    throughput_per_s: float
    total_messages: int
    total_s: float
    latency: dict[str, Any]
    rasa_peak_rss_mb: float
    load_average: list[str]


async def realistic_mix(stack: Stack, plan: list[list[str]], at_once: int) -> MixResult:
    """Clients take whole conversations from one queue; throughput while at least a quarter of them are busy."""
    queue = list(reversed(plan))
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    done: list[float] = []
    state: dict[str, Any] = {"dry": None, "active": at_once}

    async def client_loop(session: Any) -> None:
        while queue:
            messages = queue.pop()
            sender = sender_id("bench-mix")
            for text in messages:
                if state["dry"] is not None:
                    return  # the measured part is over; the rest would only be waited for
                begin = time.perf_counter()
                outcome = await load.rest_send(session, stack.rest_url, sender, text)
                if outcome == load.OK:
                    latencies.append(time.perf_counter() - begin)
                    done.append(time.monotonic())
                else:
                    errors[outcome] += 1
        state["active"] -= 1
        if state["dry"] is None and state["active"] < max(1, at_once // 4):
            state["dry"] = time.monotonic()

    async with load.client(at_once) as session:
        start = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(client_loop(session) for _ in range(at_once))), timeout=3 * 3600)
    end = time.monotonic()
    dry = state["dry"] or end
    saturated = [t for t in done if t <= dry]
    return MixResult(
        conversations=len(plan),
        at_once=at_once,
        saturated_s=round(dry - start, 1),
        answered_saturated=len(saturated),
        throughput_per_s=round(len(saturated) / (dry - start), 2) if dry > start else 0.0,
        total_messages=len(latencies),
        total_s=round(end - start, 1),
        latency=summarize(latencies, errors).as_dict(),
        rasa_peak_rss_mb=round(peak_rss_mb(stack.services["Rasa server"].pid), 1),
        load_average=Path("/proc/loadavg").read_text().split()[:3],
    )


def stock_model(path: Path, work: Path) -> Path:
    """The stock model at `path`, trained there first if it does not exist."""
    if path.exists():
        say(f"stock model: {path} (reused)")
        return path
    say(f"training the stock model into {path} (Rasa's default config; this takes a while)")
    trained = train_stock(work, Settings())
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained.model, path)
    say(f"stock model trained in {trained.seconds or 0:.0f} s")
    return path


async def measure(stacks: list[Stack], args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for stack in stacks:
        say(f"starting the {stack.variant} stack")
        stack.start()
        cold = await load.cold_start(stack, COLD_START_TIMEOUT_SECONDS)
        if cold.first_answer_s is None:
            raise RuntimeError(f"{stack.variant} did not start: {cold.error}; log: {stack.services['Rasa server'].log_tail()}")
        await load.warm_up(stack)
    if args.turns:
        say(f"long conversation: {args.turns} turns on each stack, alternating")
        long = await long_conversation(stacks, args.turns)
        results["long"] = {
            variant: {"medians_ms": r.medians(), "errors": dict(r.errors), "latencies_ms": [round(x, 1) for x in r.latencies_ms]}
            for variant, r in long.items()
        }
    if args.mix_conversations:
        plan = mix(args.mix_conversations)
        results["mix_plan"] = {"conversations": len(plan), "messages": sum(len(c) for c in plan)}
        for stack in stacks:
            say(f"realistic mix on {stack.variant}: {len(plan)} conversations, {args.mix_at_once} at once")
            outcome = await realistic_mix(stack, plan, args.mix_at_once)
            results.setdefault("mix", {})[stack.variant] = asdict(outcome)
            say(
                f"{stack.variant}: {outcome.throughput_per_s:.1f} messages/s while saturated, "
                f"p50 {outcome.latency['p50_ms']:.0f} ms, p95 {outcome.latency['p95_ms']:.0f} ms, "
                f"errors {outcome.latency['errors']}"
            )
    return results


def table(results: dict[str, Any]) -> str:
    lines = []
    long = results.get("long") or {}
    if long:
        variants = list(long)
        lines.append("| turn | " + " | ".join(f"{v} median (ms)" for v in variants) + " |")
        lines.append("|---|" + "---|" * len(variants))
        for checkpoint in CHECKPOINTS:
            first, last = window_for(checkpoint)
            cells = [str(long[v]["medians_ms"].get(checkpoint, "-")) for v in variants]
            lines.append(f"| {checkpoint} (turns {first}-{last}) | " + " | ".join(cells) + " |")
        growth = []
        for v in variants:
            medians = long[v]["medians_ms"]
            top = max((c for c in medians if c >= 200), default=None)
            if top and medians.get(10):
                growth.append(f"{v} {medians[top] / medians[10]:.2f}x")
        lines.append(f"\ngrowth from turn 10 to turn 200+: {', '.join(growth)}")
    mixed = results.get("mix") or {}
    if mixed:
        lines.append("\n| realistic mix | " + " | ".join(mixed) + " |")
        lines.append("|---|" + "---|" * len(mixed))
        for key, label in (("throughput_per_s", "messages/s (saturated)"), ("saturated_s", "saturated seconds")):
            lines.append(f"| {label} | " + " | ".join(str(m[key]) for m in mixed.values()) + " |")
        for key in ("p50_ms", "p95_ms"):
            lines.append(f"| latency {key} | " + " | ".join(f"{m['latency'][key]:.0f}" for m in mixed.values()) + " |")
        lines.append("| errors | " + " | ".join(str(m["latency"]["errors"]) for m in mixed.values()) + " |")
        lines.append("| Rasa peak RSS MiB | " + " | ".join(str(m["rasa_peak_rss_mb"]) for m in mixed.values()) + " |")
        if "ours" in mixed and "stock" in mixed and mixed["stock"]["throughput_per_s"]:
            lines.append(
                f"\nthroughput ours / stock: {mixed['ours']['throughput_per_s'] / mixed['stock']['throughput_per_s']:.2f}x"
            )
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="our model (default: models/, built if missing)")
    parser.add_argument("--stock-model", type=Path, help="stock model to reuse, or where to train it")
    parser.add_argument("--skip-stock", action="store_true", help="measure ours only")
    parser.add_argument("--turns", type=int, default=300, help="turns of the long conversation (0: skip)")
    parser.add_argument("--mix-conversations", type=int, default=60, help="conversations in the realistic mix (0: skip)")
    parser.add_argument("--mix-at-once", type=int, default=20, help="clients at once in the realistic mix")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "long.json")
    args = parser.parse_args(argv)
    if not (0 <= args.turns <= 1000 and 0 <= args.mix_conversations <= 1000 and 1 <= args.mix_at_once <= 200):
        parser.error("--turns 0..1000, --mix-conversations 0..1000, --mix-at-once 1..200")
    if not args.skip_stock and args.stock_model is None:
        parser.error("give --stock-model PATH (reused, or trained there the first time) or --skip-stock")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="survivor-long-"))
    results: dict[str, Any] = {"machine": machine_info(), "args": {k: str(v) for k, v in vars(args).items()}}
    started = time.monotonic()
    stacks: list[Stack] = []
    try:
        ours = args.model.resolve() if args.model else ensure_ours(work).model
        stacks.append(ours_stack(work, "ours", ours, 1800, with_gateway=False))
        if not args.skip_stock:
            stacks.append(stock_stack(work, "stock", stock_model(args.stock_model.resolve(), work)))
        results.update(asyncio.run(measure(stacks, args)))
    finally:
        for stack in stacks:
            stack.stop()
        results["seconds"] = round(time.monotonic() - started, 1)
        results["load_average_end"] = Path("/proc/loadavg").read_text().split()[:3]
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    say(f"done in {results['seconds']:.0f} s; JSON in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
