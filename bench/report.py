"""Turn a run's raw results into rows (figure | ours | stock | ratio | target | met?), a Markdown table and JSON."""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

#: The targets against stock Rasa (docs/benchmarks.md), as (figure key, comparison, factor): ours/stock must satisfy it.
TARGETS: dict[str, tuple[str, float]] = {
    "training_s": ("<=", 0.5),
    "cold_start_s": ("<=", 0.5),
    "serial_rest_p95_ms": ("<=", 0.5),
    "throughput_20_per_s": (">=", 3.0),
    "rasa_rss_mb": ("<=", 0.7),
}
#: The memory soak is flat when Rasa's RSS at the end is within this fraction of its RSS once expiry began.
SOAK_MAX_GROWTH = 0.10


@dataclass(frozen=True)
class Row:
    """One figure of the table; ratio is ours/stock."""

    key: str
    figure: str
    ours: Optional[float]
    stock: Optional[float]
    unit: str
    note: str = ""

    @property
    def ratio(self) -> Optional[float]:
        if self.ours is None or self.stock is None or self.stock == 0 or math.isnan(self.ours) or math.isnan(self.stock):
            return None
        return self.ours / self.stock

    @property
    def target(self) -> str:
        if self.key in TARGETS:
            op, factor = TARGETS[self.key]
            return f"{'≤' if op == '<=' else '≥'} {factor:g}x stock"
        return ""

    @property
    def met(self) -> Optional[bool]:
        if self.key not in TARGETS or self.ratio is None:
            return None
        op, factor = TARGETS[self.key]
        return self.ratio <= factor if op == "<=" else self.ratio >= factor

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "target": self.target, "met": self.met}


def _get(data: Optional[dict[str, Any]], *path: str) -> Optional[float]:
    """A number deep in a result dict, or None if any step is missing."""
    value: Any = data
    for step in path:
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return float(value) if isinstance(value, (int, float)) and value is not None else None


def _level(data: Optional[dict[str, Any]], conversations: int) -> Optional[dict[str, Any]]:
    for level in (data or {}).get("levels", []):
        if level["conversations"] == conversations:
            return dict(level)
    return None


def _pair(key: str, figure: str, unit: str, ours: Optional[dict[str, Any]], stock: Optional[dict[str, Any]], *path: str) -> Row:
    """A row whose two values sit at the same place in ours' and stock's results."""
    return Row(key, figure, _get(ours, *path), _get(stock, *path), unit)


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Every figure of the run, ours next to stock."""
    ours, stock = results.get("ours"), results.get("stock")
    training = results.get("training") or {}
    rows = [
        Row("training_s", "(e) training time", training.get("ours_s"), training.get("stock_s"), "s"),
        _pair("cold_start_s", "(d) cold start → first answer", "s", ours, stock, "cold_start", "first_answer_s"),
    ]
    for q in ("p50", "p95", "p99"):
        rows.append(_pair(f"serial_rest_{q}_ms", f"(a) serial REST {q}", "ms", ours, stock, "serial_rest", f"{q}_ms"))
    note = (ours or {}).get("gateway_note", "")
    for q in ("p50", "p95", "p99"):
        value = _get(ours, "serial_gateway", f"{q}_ms")
        rows.append(Row(f"serial_gateway_{q}_ms", f"(a) serial gateway web API {q}", value, None, "ms", note))
    for q in ("p50", "p95"):
        figure = f"(a) custom action round trip {q} (action server alone)"
        rows.append(_pair(f"action_{q}_ms", figure, "ms", ours, stock, "action_round_trip", f"{q}_ms"))
    levels = sorted({level["conversations"] for v in (ours, stock) for level in (v or {}).get("levels", [])})
    for n in levels:
        o, s = _level(ours, n), _level(stock, n)
        rows.append(_pair(f"throughput_{n}_per_s", f"(b) {n} at once: messages/s", "msg/s", o, s, "throughput_per_s"))
        for q in ("p50", "p95"):
            rows.append(_pair(f"latency_{n}_{q}_ms", f"(b) {n} at once: {q}", "ms", o, s, "latency", f"{q}_ms"))
    for name, key in (("Rasa server", "rasa_rss_mb"), ("action server", "action_rss_mb"), ("gateway", "gateway_rss_mb")):
        rows.append(_pair(key, f"(c) RSS {name} (peak sampled under load)", "MiB", ours, stock, "memory_peak_mb", name))
    rows.append(_pair("rasa_hwm_mb", "(c) Rasa server VmHWM (peak since start)", "MiB", ours, stock, "rasa_hwm_mb"))
    rows.extend(soak_rows(results.get("soak")))
    return [row for row in rows if row.ours is not None or row.stock is not None or row.note]


def soak_rows(soak: Optional[dict[str, Any]]) -> list[Row]:
    """RSS at the first sample after one TTL, at the end, and after the last TTL (ours only)."""
    if not soak or not soak.get("samples"):
        return []
    samples = soak["samples"]
    settled = next((s for s in samples if s["seconds"] >= soak["ttl_seconds"]), samples[-1])
    done = soak["conversations_done"]
    return [
        Row(
            "soak_settled_mb",
            f"(f) Rasa RSS once expiry began ({settled['conversations']} conv.)",
            settled["rss_mb"],
            None,
            "MiB",
        ),
        Row("soak_end_mb", f"(f) Rasa RSS after {done} conversations", samples[-1]["rss_mb"], None, "MiB"),
        Row("soak_after_expiry_mb", "(f) Rasa RSS after a further TTL", soak.get("after_expiry_rss_mb"), None, "MiB"),
    ]


def soak_verdict(soak: Optional[dict[str, Any]]) -> Optional[tuple[float, bool]]:
    """Growth of Rasa's RSS from once expiry began to the end of the soak, and whether it stayed flat."""
    if not soak or len(soak.get("samples", [])) < 2:
        return None
    samples = soak["samples"]
    settled = next((s for s in samples if s["seconds"] >= soak["ttl_seconds"]), samples[-1])
    growth = (samples[-1]["rss_mb"] - settled["rss_mb"]) / settled["rss_mb"] if settled["rss_mb"] else math.nan
    return growth, growth <= SOAK_MAX_GROWTH


def _fmt(value: Optional[float], unit: str) -> str:
    if value is None or math.isnan(value):
        return "—"
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "msg/s":
        return f"{value:.1f}/s"
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def markdown_table(rows: list[Row], soak: Optional[dict[str, Any]] = None) -> str:
    """The table printed at the end of a run and pasted into docs/benchmarks.md."""
    lines = ["| figure | ours | stock | ratio | target | met? |", "|---|---|---|---|---|---|"]
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        ours = _fmt(row.ours, row.unit) if row.ours is not None else (row.note or "—")
        lines.append(f"| {row.figure} | {ours} | {_fmt(row.stock, row.unit)} | {ratio} | {row.target} | {met} |")
    verdict = soak_verdict(soak)
    if verdict is not None:
        growth, flat = verdict
        met = "yes" if flat else "**no**"
        lines.append(f"| (f) Rasa RSS growth once expiry began | {growth * 100:+.1f}% | — | — | flat (≤ +10%) | {met} |")
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model and load when the run started: figures depend on all four."""
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def write_json(path: Path, results: dict[str, Any], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**results, "rows": [row.as_dict() for row in rows]}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
