"""One command for every benchmark: `python -m bench.run [--quick] [--skip-stock] [--out results/bench.json]`.

It trains our model from scratch (and, unless --skip-stock, a "stock" model of the same data with
Rasa's default config), then measures:

(e) training time of each; (d) cold start: each stack started alone, to its first REST answer;
(a) serial latency p50/p95/p99 through Rasa's REST channel (in rounds alternating between the
    stacks, so background load falls on both alike), through the gateway's web API (ours), and of
    the custom-action round trip alone (the action server's /webhook);
(b) throughput and latency with 1, 10, 20, 50 and 100 conversations at once for 30 s per stack,
    in three 10 s windows alternating between the stacks (throughput = answers / time from the
    first request to the last answer);
(c) resident memory (VmRSS summed over each process tree; the peak sampled under load);
(f) the Rasa server's memory over 10,000 three-turn conversations on a fresh stack of ours with
    TRACKER_TTL_SECONDS=20, sampled every 1,000 conversations and once more after a further TTL.

Then it prints figure | ours | stock | ratio | target | met? and writes everything as JSON.
Every process is on 127.0.0.1 with free ports, and is stopped at the end (also on Ctrl-C/SIGTERM).

--quick reuses models/model-<fingerprint>.tar.gz (`python -m bot.model` builds it if missing),
measures 1, 20 and 100 conversations for 3 s each and soaks 40 conversations on the same stack
with a 3 s TTL: with --skip-stock it takes about 45 s on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Optional

import aiohttp

from bench import load
from bench.procs import peak_rss_mb
from bench.report import build_rows, machine_info, markdown_table, write_json
from bench.stats import LatencySummary, summarize
from bench.variants import (
    Stack,
    Trained,
    ensure_ours,
    gateway_available,
    ours_stack,
    stock_stack,
    train_ours,
    train_stock,
)
from bot.settings import PROJECT_ROOT, Settings

COLD_START_TIMEOUT_SECONDS = 400.0
#: Our production TTL (README): conversations stay for 30 minutes of silence.
DEFAULT_TTL_SECONDS = 1800
#: Serial latency is measured in this many rounds, alternating between the stacks.
SERIAL_ROUNDS = 4
GATEWAY_NOTE = "skipped: bot/gateway/web/channel.py does not exist yet"


@dataclass(frozen=True)
class Plan:
    """How much of each measurement to do."""

    serial_messages: int
    serial_max_seconds: float
    levels: tuple[int, ...]
    level_seconds: float
    soak_conversations: int
    soak_sample_every: int
    soak_workers: int
    soak_ttl_seconds: int
    soak_max_seconds: float
    #: Each level is measured in this many windows per stack, alternating between the stacks.
    level_rounds: int
    #: Soak on our measured stack (whose TTL is then the soak's) instead of a fresh one: saves a cold start.
    soak_on_main_stack: bool


FULL = Plan(200, 300, (1, 10, 20, 50, 100), 30, 10_000, 1000, 10, 20, 3600, level_rounds=3, soak_on_main_stack=False)
QUICK = Plan(20, 30, (1, 20, 100), 3, 40, 8, 10, 3, 60, level_rounds=1, soak_on_main_stack=True)


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs; reuse models/ (for CI: with --skip-stock)")
    parser.add_argument("--skip-stock", action="store_true", help="do not train or measure the stock variant")
    parser.add_argument("--skip-soak", action="store_true", help="do not run the memory soak (f)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "bench.json", help="where to write JSON")
    parser.add_argument("--model", type=Path, help="serve this model of ours instead of training one (no training figure)")
    parser.add_argument("--stock-model", type=Path, help="serve this stock model instead of training one (no training figure)")
    parser.add_argument("--conversations", type=int, help="conversations in the memory soak (default 10000; quick 40)")
    parser.add_argument("--level-seconds", type=float, help="seconds per concurrency level and stack (default 30; quick 3)")
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder (models, logs)")
    return parser.parse_args(argv)


def plan_for(args: argparse.Namespace) -> Plan:
    """The full or quick plan, with any sizes given on the command line."""
    plan = QUICK if args.quick else FULL
    if args.conversations:
        plan = replace(plan, soak_conversations=args.conversations, soak_sample_every=max(1, args.conversations // 10))
    if args.level_seconds:
        plan = replace(plan, level_seconds=args.level_seconds)
    return plan


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def train(args: argparse.Namespace, work: Path, settings: Settings) -> tuple[Trained, Optional[Trained]]:
    """(e) Our model (timed fresh training unless --quick or --model) and the stock model."""
    if args.model:
        ours = Trained(args.model.resolve(), None)
    elif args.quick:
        ours = ensure_ours(work)
    else:
        say("training our model from scratch (python -m bot.model, empty models folder and cache)")
        ours = train_ours(work)
    say(f"our model: {ours.model}" + (f" (trained in {ours.seconds:.1f} s)" if ours.seconds else " (reused)"))
    if args.skip_stock:
        return ours, None
    if args.stock_model:
        stock = Trained(args.stock_model.resolve(), None)
    else:
        say("training the stock model (Rasa's default pipeline and policies, same data)")
        stock = train_stock(work, settings)
    say(f"stock model: {stock.model}" + (f" (trained in {stock.seconds:.1f} s)" if stock.seconds else " (reused)"))
    return ours, stock


async def wait_for_gateway(base_url: str, timeout: float = 60.0) -> bool:
    """Whether the gateway's /healthz answers within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    async with load.client(1) as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base_url}/healthz") as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.2)
    return False


async def measure_gateway(stack: Stack, plan: Plan, result: dict[str, Any]) -> None:
    """(a) Serial latency through the gateway's web API, or a note saying why it was skipped."""
    if stack.gateway_url is None:
        result["gateway_note"] = GATEWAY_NOTE
        return
    if not await wait_for_gateway(stack.gateway_url):
        result["gateway_note"] = "skipped: the gateway did not answer /healthz"
        return
    summary = await load.serial(load.gateway_sender(stack.gateway_url), plan.serial_messages, plan.serial_max_seconds, "gw")
    if summary.count == 0:
        result["gateway_note"] = "failed: the web API answered no message (see JSON and gateway log)"
    result["serial_gateway"] = summary.as_dict()
    say(f"{stack.variant}: serial gateway web API p50 {summary.p50_ms:.0f} ms, p95 {summary.p95_ms:.0f} ms")


async def start_cold(stack: Stack) -> dict[str, Any]:
    """(d) Start a stack and time it to the first answer; (c) its memory once idle."""
    say(f"starting the {stack.variant} stack (Rasa on 127.0.0.1:{stack.rasa_port}, actions on :{stack.action_port})")
    stack.start()
    cold = await load.cold_start(stack, COLD_START_TIMEOUT_SECONDS)
    say(f"{stack.variant}: Rasa HTTP up after {cold.http_up_s or 0:.1f} s, first answer after {cold.first_answer_s or 0:.1f} s")
    result: dict[str, Any] = {"variant": stack.variant, "cold_start": asdict(cold)}
    if cold.first_answer_s is None:
        result["error"] = cold.error
        result["logs"] = {name: service.log_tail() for name, service in stack.services.items()}
    else:
        result["memory_idle_mb"] = stack.memory_mb()
    return result


async def serial_interleaved(stacks: list[Stack], plan: Plan) -> dict[str, LatencySummary]:
    """(a) Serial REST latency of each stack, in rounds that alternate between stacks (fair under background load)."""
    latencies: dict[str, list[float]] = {stack.variant: [] for stack in stacks}
    errors: dict[str, Counter[str]] = {stack.variant: Counter() for stack in stacks}
    per_round = math.ceil(plan.serial_messages / SERIAL_ROUNDS)
    for _ in range(SERIAL_ROUNDS):
        for stack in stacks:
            send = load.rest_sender(stack)
            got, failed = await load.serial_samples(send, per_round, plan.serial_max_seconds / SERIAL_ROUNDS, "bench")
            latencies[stack.variant] += got
            errors[stack.variant] += failed
    return {variant: summarize(latencies[variant], errors[variant]) for variant in latencies}


async def levels_interleaved(stacks: list[Stack], plan: Plan, results: dict[str, dict[str, Any]]) -> None:
    """(b) Every concurrency level in `plan.level_rounds` windows per stack, alternating between the stacks."""
    window = plan.level_seconds / plan.level_rounds
    for conversations in plan.levels:
        pooled = {stack.variant: load.LevelSamples(conversations) for stack in stacks}
        for _ in range(plan.level_rounds):
            for stack in stacks:
                pooled[stack.variant].add(await load.concurrency_window(stack, conversations, window))
                await asyncio.sleep(1)
        for stack in stacks:
            level = pooled[stack.variant].result()
            say(
                f"{stack.variant}: {conversations} at once: {level.throughput_per_s:.1f} msg/s, "
                f"p50 {level.latency.p50_ms:.0f} ms, p95 {level.latency.p95_ms:.0f} ms, errors {level.latency.error_kinds or 0}"
            )
            results[stack.variant].setdefault("levels", []).append({**asdict(level), "latency": level.latency.as_dict()})


async def compare(stacks: list[Stack], plan: Plan, soak_variant: Optional[str]) -> dict[str, dict[str, Any]]:
    """Start each stack alone (cold start), then measure all of them alternately; optionally soak one after."""
    results: dict[str, dict[str, Any]] = {}
    for stack in stacks:
        results[stack.variant] = await start_cold(stack)
    live = [stack for stack in stacks if "error" not in results[stack.variant]]
    for stack in live:
        await load.warm_up(stack)
    for variant, summary in (await serial_interleaved(live, plan)).items():
        results[variant]["serial_rest"] = summary.as_dict()
        say(f"{variant}: serial REST p50 {summary.p50_ms:.0f} ms, p95 {summary.p95_ms:.0f} ms, p99 {summary.p99_ms:.0f} ms")
    for stack in live:
        summary = await load.serial(load.action_sender(stack), plan.serial_messages, 60, "act")
        results[stack.variant]["action_round_trip"] = summary.as_dict()
        if stack.variant == "ours":
            await measure_gateway(stack, plan, results[stack.variant])
    await levels_interleaved(live, plan, results)
    for stack in live:
        result = results[stack.variant]
        result["memory_after_load_mb"] = stack.memory_mb()
        levels = result.get("levels", [])
        result["memory_peak_mb"] = {name: max(lv["rss_mb"].get(name, 0.0) for lv in levels) for name in stack.services}
        result["rasa_hwm_mb"] = round(peak_rss_mb(stack.services["Rasa server"].pid), 1)
        say(f"{stack.variant}: peak RSS under load {result['memory_peak_mb']} MiB")
    for stack in live:
        if stack.variant == soak_variant:
            results["soak"] = await soak_on(stack, plan)
    return results


def say_sample(sample: dict[str, float]) -> None:
    say(f"soak: {sample['conversations']:>6.0f} conversations, {sample['seconds']:>6.0f} s, Rasa RSS {sample['rss_mb']} MiB")


async def soak_on(stack: Stack, plan: Plan) -> dict[str, Any]:
    """(f) Rasa's RSS over many short conversations on a running stack of ours with a short TTL."""
    say(f"memory soak: {plan.soak_conversations} conversations of 3 turns, TRACKER_TTL_SECONDS={plan.soak_ttl_seconds}")
    say_sample({"conversations": 0, "seconds": 0, "rss_mb": round(stack.services["Rasa server"].rss_mb(), 1)})
    result = await load.soak(
        stack,
        plan.soak_conversations,
        plan.soak_workers,
        plan.soak_sample_every,
        plan.soak_ttl_seconds,
        plan.soak_max_seconds,
        on_sample=say_sample,
    )
    say(f"soak: after a further TTL, Rasa RSS {result.after_expiry_rss_mb} MiB; errors {result.errors or 0}")
    return asdict(result)


async def soak_alone(stack: Stack, plan: Plan) -> dict[str, Any]:
    """(f) on a fresh stack of ours started only for the soak."""
    started = await start_cold(stack)
    return started if "error" in started else await soak_on(stack, plan)


def run_stacks(stacks: list[Stack], plan: Plan, soak_variant: Optional[str] = None) -> dict[str, dict[str, Any]]:
    """Measure stacks together and always stop every process they started."""
    try:
        return asyncio.run(compare(stacks, plan, soak_variant))
    finally:
        for stack in stacks:
            stack.stop()


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    plan = plan_for(args)
    settings = Settings()
    # SIGTERM ends the run like Ctrl-C, so every `finally` stops the processes this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="survivor-bench-"))
    results: dict[str, Any] = {"machine": machine_info(), "quick": args.quick, "plan": asdict(plan), "work_dir": str(work)}
    started = time.monotonic()
    try:
        ours_model, stock_model = train(args, work, settings)
        results["training"] = {"ours_s": ours_model.seconds, "stock_s": stock_model.seconds if stock_model else None}
        shared = plan.soak_on_main_stack and not args.skip_soak
        ttl = plan.soak_ttl_seconds if shared else DEFAULT_TTL_SECONDS
        stacks = [ours_stack(work, "ours", ours_model.model, ttl, gateway_available())]
        if stock_model:
            stacks.append(stock_stack(work, "stock", stock_model.model))
        results.update(run_stacks(stacks, plan, soak_variant="ours" if shared else None))
        if not args.skip_soak and not shared:
            soak_stack = ours_stack(work, "soak", ours_model.model, plan.soak_ttl_seconds, with_gateway=False)
            try:
                results["soak"] = asyncio.run(soak_alone(soak_stack, plan))
            finally:
                soak_stack.stop()
    finally:
        results["seconds"] = round(time.monotonic() - started, 1)
        results["load_average_end"] = Path("/proc/loadavg").read_text().split()[:3]
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    rows = build_rows(results)
    print()
    print(markdown_table(rows, results.get("soak")))
    write_json(args.out, results, rows)
    say(f"done in {results['seconds']:.0f} s; JSON in {args.out}")
    return 1 if any("error" in (results.get(v) or {}) for v in ("ours", "stock", "soak")) else 0


if __name__ == "__main__":
    sys.exit(main())
