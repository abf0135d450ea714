"""CPU time of one short turn, per process: gateway, Rasa server, action server.

    python -m bench.turn_cpu                                   # 3 rounds of 200 messages through the gateway
    python -m bench.turn_cpu --via rest                        # straight to Rasa's REST channel (no gateway)
    python -m bench.turn_cpu --py-spy /tmp/pyspy/bin/py-spy    # then one more round with py-spy on each process

Starts a stack of ours (the processes `make run` starts, on free loopback ports), warms it up,
then sends --messages messages one after another, each waiting for its answer: short
conversations of "hello", a topic question, "tell me more", "thank you", each conversation a new
web session (created before the count starts, so only messages are counted). Before and after a
round it reads utime + stime of every process of each service (/proc/<pid>/stat, the process and
its descendants, all threads) and reports CPU milliseconds per message for each process and in
total, and the median and p95 wall-clock time of a message. Several rounds give the median round.

With --py-spy, one more round runs with py-spy sampling each process (100 Hz, idle threads left
out, --nonblocking) and the functions with the most samples are printed per process. That round
is not part of the CPU figures: py-spy takes CPU of its own on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import aiohttp

from bench import load
from bench.conversations import sender_id
from bench.procs import process_tree
from bench.profile import summarize_raw
from bench.run import wait_for_gateway
from bench.stats import percentile
from bench.variants import Stack, ensure_ours, gateway_available, ours_stack

#: One short conversation: a greeting, a topic question, its next page, thanks.
SHORT_TURN: tuple[str, ...] = ("hello", "how do i report a police officer for rape", "tell me more", "thank you")
COLD_START_TIMEOUT_SECONDS = 600.0
#: Processes in the order they are reported.
SERVICES = ("gateway", "Rasa server", "action server")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = True) -> float:
    """utime + stime of a process and (unless `children` is False) its running descendants, all threads, in seconds."""
    ticks = 0
    for member in process_tree(pid) if children else [pid]:
        try:
            with open(f"/proc/{member}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5): utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return ticks / TICKS_PER_SECOND


@dataclass(frozen=True)
class Round:
    """CPU ms per message of each process (and this client), and the wall-clock time of a message."""

    messages: int
    cpu_ms: dict[str, float]
    client_ms: float
    wall_p50_ms: float
    wall_p95_ms: float
    errors: int

    @property
    def total_ms(self) -> float:
        return sum(self.cpu_ms.values())


class Sender:
    """Sends one message of a conversation through the gateway's web API or Rasa's REST channel."""

    def __init__(self, stack: Stack, via: str) -> None:
        self.stack = stack
        self.via = via
        self.base = stack.gateway_url or ""
        self.headers = {"Origin": self.base}

    def path(self) -> tuple[str, ...]:
        """The services a message passes through (the gateway only when it is sent through it)."""
        names = SERVICES if self.via == "gateway" else SERVICES[1:]
        return tuple(name for name in names if name in self.stack.services)

    async def conversation(self, session: aiohttp.ClientSession) -> str:
        """A new conversation: a web session id (gateway) or a fresh sender id (REST)."""
        if self.via == "rest":
            return sender_id("bench-turn")
        async with session.post(f"{self.base}/api/session", json={}, headers=self.headers) as response:
            response.raise_for_status()
            return str((await response.json(content_type=None))["session"])

    async def send(self, session: aiohttp.ClientSession, conversation: str, text: str) -> bool:
        """Whether the message was answered (by Rasa, for the gateway: not its static fallback)."""
        if self.via == "rest":
            return await load.rest_send(session, self.stack.rest_url, conversation, text) == load.OK
        payload = {"session": conversation, "text": text}
        async with session.post(f"{self.base}/api/message", json=payload, headers=self.headers) as response:
            body = await response.json(content_type=None)
            return response.status == 200 and bool(body.get("replies")) and bool(body.get("from_rasa"))


async def serial_round(stack: Stack, sender: Sender, messages: int) -> Round:
    """`messages` short-turn messages one after another; CPU read before and after."""
    pids = {name: stack.services[name].pid for name in sender.path()}
    latencies: list[float] = []
    errors = 0
    async with load.client(1) as session:
        conversations = [await sender.conversation(session) for _ in range(-(-messages // len(SHORT_TURN)))]
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        client_before = time.process_time()
        for index in range(messages):
            text = SHORT_TURN[index % len(SHORT_TURN)]
            start = time.perf_counter()
            answered = await sender.send(session, conversations[index // len(SHORT_TURN)], text)
            latencies.append(time.perf_counter() - start)
            errors += not answered
        client_ms = (time.process_time() - client_before) * 1000 / messages
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    cpu_ms = {name: (after[name] - before[name]) * 1000 / messages for name in pids}
    ms = [value * 1000 for value in latencies]
    return Round(messages, cpu_ms, client_ms, percentile(ms, 50), percentile(ms, 95), errors)


async def warm(stack: Stack, sender: Sender) -> None:
    """Start-up, every benchmark message once, and a few short turns the measured way."""
    cold = await load.cold_start(stack, COLD_START_TIMEOUT_SECONDS)
    if cold.first_answer_s is None:
        raise RuntimeError(f"the stack did not start: {cold.error}")
    await load.warm_up(stack)
    if sender.via == "gateway" and stack.gateway_url and not await wait_for_gateway(stack.gateway_url):
        raise RuntimeError("the gateway did not answer /healthz")
    await serial_round(stack, sender, 4 * len(SHORT_TURN))


def profiled_round(stack: Stack, sender: Sender, messages: int, py_spy: str, work: Path) -> dict[str, Path]:
    """One more round with py-spy recording each process; the raw (collapsed) stacks per process."""
    raws: dict[str, Path] = {}
    recorders: list[subprocess.Popen[bytes]] = []
    for name in sender.path():
        raws[name] = work / f"{name.replace(' ', '-')}.raw"
        command = [
            py_spy,
            "record",
            "--nonblocking",
            "--format",
            "raw",
            "-o",
            str(raws[name]),
            "-p",
            str(stack.services[name].pid),
        ]
        recorders.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        time.sleep(1.0)  # py-spy attaches
        asyncio.run(serial_round(stack, sender, messages))
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for recorder in recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
    return {name: raw for name, raw in raws.items() if raw.exists()}


def table(rounds: list[Round], via: str) -> str:
    """The median round, per process, as a Markdown table."""
    names = list(rounds[0].cpu_ms)
    median = {name: statistics.median(r.cpu_ms[name] for r in rounds) for name in names}
    lines = ["| process | CPU ms per message |", "|---|---|"]
    lines += [f"| {name} | {median[name]:.1f} |" for name in names]
    lines.append(f"| **total** ({', '.join(names)}) | **{statistics.median(r.total_ms for r in rounds):.1f}** |")
    lines.append(f"| (the benchmark client, for reference) | {statistics.median(r.client_ms for r in rounds):.1f} |")
    lines.append("")
    wall50 = statistics.median(r.wall_p50_ms for r in rounds)
    wall95 = statistics.median(r.wall_p95_ms for r in rounds)
    per_round = ", ".join(f"{r.total_ms:.1f}" for r in rounds)
    lines.append(
        f"{rounds[0].messages} messages x {len(rounds)} rounds via {via}; wall clock per message: "
        f"median {wall50:.0f} ms, p95 {wall95:.0f} ms; total CPU ms per message by round: {per_round}; "
        f"unanswered: {sum(r.errors for r in rounds)}"
    )
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the model to serve (default: ours in models/, built if missing)")
    parser.add_argument(
        "--via", choices=("gateway", "rest"), default="gateway", help="the gateway's web API or Rasa's REST channel"
    )
    parser.add_argument("--messages", type=int, default=200, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--py-spy", help="also profile one round with this py-spy executable")
    parser.add_argument("--top", type=int, default=25, help="functions shown per process with --py-spy")
    parser.add_argument("--raw-out", type=Path, help="with --py-spy: keep py-spy's collapsed stacks in this folder")
    args = parser.parse_args(argv)
    via = args.via if gateway_available() else "rest"
    work = Path(tempfile.mkdtemp(prefix="survivor-turn-cpu-"))
    model = args.model or ensure_ours(work).model
    stack = ours_stack(work, "turn", model, 1800, with_gateway=True)
    sender = Sender(stack, via)
    stack.start()
    try:
        asyncio.run(warm(stack, sender))
        rounds = [asyncio.run(serial_round(stack, sender, args.messages)) for _ in range(args.rounds)]
        print(table(rounds, via))
        if args.py_spy:
            raws = profiled_round(stack, sender, args.messages, args.py_spy, work)
            for name, raw in raws.items():
                print(f"\n## py-spy: {name}\n")
                print(summarize_raw(raw, args.top))
                if args.raw_out:
                    args.raw_out.mkdir(parents=True, exist_ok=True)
                    shutil.copy(raw, args.raw_out / raw.name)
    finally:
        stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
