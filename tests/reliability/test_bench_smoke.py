"""The benchmark harness still runs: `python -m bench.run --quick --skip-stock` (about 45 s), so that a change cannot break the benchmarks unnoticed.

Not a speed test (nothing here depends on how fast the machine is): it checks that one quick run
starts our stack, measures every figure, loses no request and leaves flat memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import long, run, turn_cpu

pytestmark = pytest.mark.bench


def test_quick_benchmark_measures_every_figure_without_errors(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert run.main(["--quick", "--skip-stock", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    ours = results["ours"]
    assert ours["cold_start"]["first_answer_s"] > 0
    assert ours["serial_rest"]["count"] > 0 and ours["serial_rest"]["errors"] == 0
    assert ours["serial_gateway"]["count"] > 0 and ours["serial_gateway"]["errors"] == 0
    assert ours["action_round_trip"]["errors"] == 0
    assert [level["conversations"] for level in ours["levels"]] == [1, 20, 100]
    assert all(level["latency"]["errors"] == 0 and level["latency"]["count"] > 0 for level in ours["levels"])
    assert ours["memory_peak_mb"]["Rasa server"] > 100
    assert results["soak"]["errors"] == {}
    figures = {row["key"]: row for row in results["rows"]}
    assert figures["serial_rest_p95_ms"]["ours"] > 0


def test_the_realistic_mix_is_half_short_a_third_20_to_40_turns_and_a_sixth_over_100() -> None:
    plan = long.mix(60)
    lengths = [len(messages) for messages in plan]
    assert sum(n <= 5 for n in lengths) == 30
    assert sum(20 <= n <= 40 for n in lengths) == 20
    assert sum(100 <= n <= 150 for n in lengths) == 10
    assert long.mix(60) == plan  # every stack gets the same conversations
    assert lengths == sorted(lengths, reverse=True)  # the long ones start first


def test_the_long_conversation_reports_turns_1_to_300_from_their_own_turns() -> None:
    assert long.window_for(1) == (1, 5)
    assert long.window_for(10) == (1, 10)
    assert long.window_for(300) == (291, 300)
    result = long.LongResult(latencies_ms=[float(turn) for turn in range(1, 301)])
    assert result.medians()[300] == 295.5 and result.medians()[1] == 3.0
    messages = long.long_messages(300)
    assert len(messages) == 300 and not {"stop", "/stop", "exit"} & set(messages)


def test_turn_cpu_counts_the_cpu_time_of_a_process_and_its_children() -> None:
    burn = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.3: pass\ntime.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", burn])
    try:
        deadline = time.monotonic() + 30
        while turn_cpu.cpu_seconds(os.getpid()) - turn_cpu.cpu_seconds(os.getpid(), children=False) < 0.25:
            assert time.monotonic() < deadline, "the child's CPU time was not counted"
            time.sleep(0.1)
    finally:
        child.kill()
        child.wait()
    rounds = [turn_cpu.Round(200, {"Rasa server": 20.0, "action server": 2.0}, 1.0, 25.0, 40.0, 0)]
    table = turn_cpu.table(rounds, "rest")
    assert "| Rasa server | 20.0 |" in table and "**22.0**" in table
