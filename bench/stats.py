"""Summaries of latency samples. Nothing is measured here; this only turns samples into figures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Optional


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LatencySummary:
    """Latency of the answered requests, in milliseconds, and how many requests failed (and why)."""

    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    error_kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(latencies_s: Sequence[float], errors: Optional[Mapping[str, int]] = None) -> LatencySummary:
    """Percentiles of latencies given in seconds, reported in milliseconds; errors counted by kind."""
    ms = [value * 1000 for value in latencies_s]
    errors = dict(errors or {})
    return LatencySummary(
        count=len(ms),
        errors=sum(errors.values()),
        error_kinds=errors,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        mean_ms=sum(ms) / len(ms) if ms else math.nan,
        max_ms=max(ms) if ms else math.nan,
    )
