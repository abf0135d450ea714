"""Where a Rasa server spends its time under load: py-spy samples of our (or the stock) server.

`python -m bench.profile --py-spy /tmp/pyspy/bin/py-spy [--model M] [--conversations 20] [--seconds 20]`
starts a stack of ours, warms it up, runs `--conversations` conversations at once and meanwhile
records the Rasa server with py-spy (installed outside the project: `pip install py-spy` into a
temporary venv), then prints the functions with the most samples, inclusive and self. This is how
docs/benchmarks.md explains a missed target; it is not part of the benchmark figures.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from bench import load
from bench.variants import Stack, existing_model, ours_stack, stock_stack

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    """`function (…/site-packages/pkg/module.py:12)` -> `pkg/module.py:function`."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"].split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{file}:{match['function']}"


def summarize_raw(raw: Path, top: int) -> str:
    """Inclusive and self sample counts per function from py-spy's --format raw (collapsed stacks)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [short(f) for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "", "inclusive  function"]
    lines += [f"{100 * n / total:6.1f}%   {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self       function"]
    lines += [f"{100 * n / total:6.1f}%   {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


async def drive(stack: Stack, conversations: int, seconds: float, py_spy: str, raw: Path) -> load.LevelResult:
    """Warm the stack up, then load it while py-spy records the Rasa server."""
    cold = await load.cold_start(stack, 400)
    if cold.first_answer_s is None:
        raise RuntimeError(f"the stack did not start: {cold.error}")
    await load.warm_up(stack)
    pid = stack.services["Rasa server"].pid
    command = [py_spy, "record", "--nonblocking", "--format", "raw", "-o", str(raw), "-d", str(int(seconds)), "-p", str(pid)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = await load.concurrency_level(stack, conversations, seconds)
    finally:
        recorder.wait(timeout=seconds + 60)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy", help="the py-spy executable")
    parser.add_argument("--model", type=Path, help="the model to serve (default: ours in models/)")
    parser.add_argument("--stock", action="store_true", help="serve --model as the stock variant (Rasa's InMemoryTrackerStore)")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--raw-out", type=Path, help="also keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    model = args.model or existing_model()
    if model is None:
        print("error: no model; run `python -m bot.model` or pass --model", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="survivor-profile-"))
    stack = stock_stack(work, "profile", model) if args.stock else ours_stack(work, "profile", model, 1800, with_gateway=False)
    raw = work / "profile.raw"
    stack.start()
    try:
        result = asyncio.run(drive(stack, args.conversations, args.seconds, args.py_spy, raw))
    finally:
        stack.stop()
    print(f"{args.conversations} at once: {result.throughput_per_s:.1f} msg/s, p50 {result.latency.p50_ms:.0f} ms")
    print(summarize_raw(raw, args.top))
    if args.raw_out:
        shutil.copy(raw, args.raw_out)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
