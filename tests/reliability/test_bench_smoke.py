"""The benchmark harness still runs: `python -m bench.run --quick --skip-stock` (about 45 s), the CI smoke of issue 8.

Not a speed test (nothing here depends on how fast the machine is): it checks that one quick run
starts our stack, measures every figure, loses no request and leaves flat memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run

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
