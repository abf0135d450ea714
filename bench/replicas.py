"""Scale out on one machine: throughput through the gateway with one and with two Rasa replicas.

    python -m bench.replicas [--levels 20,50] [--seconds 30] [--out results/replicas.json]

Three deployments of ours, one after another, each measured through the gateway's web API with
`bench.soak`'s simulated survivors (scripted conversations, every 10th message a crisis message
that must be answered with 999) for --seconds per level:

1. the default: one Rasa server, conversations in its expiring in-memory store;
2. one Rasa server with the Redis tracker and lock stores (`TRACKER_STORE=redis`);
3. two Rasa servers sharing that Redis, the gateway spreading turns over both (`RASA_URLS`).

A throwaway `redis-server` on 127.0.0.1 (no persistence) is started for 2 and 3. The figures say
what a second replica buys on *this* machine; docs/deploy.md turns them into sizing advice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

from bench import load
from bench.procs import LOOPBACK, Service
from bench.soak import SoakPlan, drive
from bench.variants import Ports, Stack, bench_overrides, bench_settings, ensure_ours
from bot.settings import PROJECT_ROOT
from bot.supervisor import build_children
from tests.support import servers

COLD_START_TIMEOUT_SECONDS = 300.0


def build_stack(work: Path, tag: str, model: Path, replicas: int, redis_port: Optional[int]) -> Stack:
    """Our processes (as the supervisor builds them) with `replicas` Rasa servers; Redis stores if a port is given."""
    ports = Ports.free()
    extra_ports = [servers.free_port() for _ in range(replicas - 1)]
    settings = bench_settings(ports, 1800)
    overrides = bench_overrides(work, ports, 1800)
    if redis_port is not None:
        settings = settings.with_changes(tracker_store="redis", redis_host=LOOPBACK, redis_port=redis_port)
        overrides.update(TRACKER_STORE="redis", REDIS_HOST=LOOPBACK, REDIS_PORT=str(redis_port), REDIS_DB="0")
    rasa_ports = [ports.rasa, *extra_ports]
    overrides["RASA_URLS"] = ",".join(f"http://{LOOPBACK}:{port}" for port in rasa_ports)
    services: dict[str, Service] = {}
    for child in build_children(settings, model):
        env = {**child.env, **overrides}
        log = work / f"{tag}-{child.name.replace(' ', '-').lower()}.log"
        services[child.name] = Service(child.name, list(child.command), env, PROJECT_ROOT, log)
    rasa = services["Rasa server"]
    for number, port in enumerate(extra_ports, start=2):
        command = list(rasa.command)
        command[command.index("--port") + 1] = str(port)
        name = f"Rasa server {number}"
        services[name] = Service(name, command, dict(rasa.env), rasa.cwd, work / f"{tag}-rasa-server-{number}.log")
    # Start order: action server, Rasa servers, gateway last.
    ordered = {name: services[name] for name in services if name != "gateway"}
    ordered["gateway"] = services["gateway"]
    return Stack("ours", ports.rasa, ports.action, ordered, ports.gateway)


async def wait_until_every_replica_answers(stack: Stack, rasa_ports: list[int]) -> Optional[str]:
    """None once every Rasa server has answered a first message, else why not."""
    for port in rasa_ports:
        probe = replace(stack, rasa_port=port)
        cold = await load.cold_start(probe, COLD_START_TIMEOUT_SECONDS)
        if cold.first_answer_s is None:
            return f"Rasa on port {port}: {cold.error}"
    return None


def measure(stack: Stack, levels: list[int], seconds: float) -> dict[str, Any]:
    rasa_ports = [int(url.rsplit(":", 1)[1]) for url in stack.services["gateway"].env["RASA_URLS"].split(",")]
    stack.start()
    try:
        error = asyncio.run(wait_until_every_replica_answers(stack, rasa_ports))
        if error:
            return {"error": error, "logs": {name: s.log_tail() for name, s in stack.services.items()}}
        asyncio.run(drive(stack, SoakPlan(conversations=10, seconds=5)))  # warm-up, not measured
        results: dict[str, Any] = {"replicas": len(rasa_ports), "levels": []}
        for conversations in levels:
            report = asyncio.run(drive(stack, SoakPlan(conversations=conversations, seconds=seconds, max_growth=10.0)))
            level = {
                "conversations": conversations,
                "messages_per_s": round(report.throughput, 1),
                "p50_ms": round(report.latency.get("p50_ms", 0)),
                "p95_ms": round(report.latency.get("p95_ms", 0)),
                "failed": sum(report.failures.values()),
                "crisis_with_999": f"{report.crisis_with_999}/{report.crisis_sent}",
                "peak_rss_mb": {name: max(rss.get(name, 0.0) for _, rss in report.memory) for name in stack.services},
            }
            results["levels"].append(level)
            print(
                f"  {conversations} at once: {level['messages_per_s']} msg/s, p50 {level['p50_ms']} ms, "
                f"p95 {level['p95_ms']} ms, failed {level['failed']}, crisis with 999 {level['crisis_with_999']}",
                flush=True,
            )
        return results
    finally:
        stack.stop()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="20,50", help="conversations at once, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--out", type=Path, default=Path("results/replicas.json"))
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    work = Path(tempfile.mkdtemp(prefix="survivor-replicas-"))
    results: dict[str, Any] = {"levels": levels, "seconds_per_level": args.seconds, "load_average_start": _load()}
    try:
        model = ensure_ours(work).model
        print("1 Rasa server, in-memory store", flush=True)
        results["1 replica, memory"] = measure(build_stack(work, "mem", model, 1, None), levels, args.seconds)
        with servers.redis() as redis_port:
            print("1 Rasa server, Redis tracker and lock stores", flush=True)
            results["1 replica, redis"] = measure(build_stack(work, "r1", model, 1, redis_port), levels, args.seconds)
            print("2 Rasa servers sharing Redis", flush=True)
            results["2 replicas, redis"] = measure(build_stack(work, "r2", model, 2, redis_port), levels, args.seconds)
    finally:
        results["load_average_end"] = _load()
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("| deployment | " + " | ".join(f"{level} at once: msg/s (p95)" for level in levels) + " |")
    print("|---|" + "---|" * len(levels))
    for name in ("1 replica, memory", "1 replica, redis", "2 replicas, redis"):
        result = results.get(name, {})
        cells = [f"{lv['messages_per_s']} ({lv['p95_ms']} ms)" for lv in result.get("levels", [])] or ["failed"] * len(levels)
        print(f"| {name} | " + " | ".join(cells) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"JSON in {args.out}")
    failed = any("error" in (results.get(name) or {"error": 1}) for name in ("1 replica, memory", "2 replicas, redis"))
    return 1 if failed else 0


def _load() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3]


if __name__ == "__main__":
    sys.exit(main())
