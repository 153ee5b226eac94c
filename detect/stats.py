"""Duration statistics of fixed size: a run of days costs the memory of a run of seconds.

Every percentile in the project (summary latency, live stats, per-stage timings in `detect
bench`) comes from here: `percentiles_ms` for a short list held anyway (a stats window), and
`Durations` for whole-run records, a log-spaced histogram whose bins are 1 % wide, so a
reported p95 is within 1 % of the exact one whatever the run's length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

SMALLEST_S = 1e-6
LARGEST_S = 1e5
GROWTH = 1.01
BINS = int(math.ceil(math.log(LARGEST_S / SMALLEST_S) / math.log(GROWTH))) + 2
_LOG_GROWTH = math.log(GROWTH)


def percentiles_ms(seconds: Iterable[float], qs: tuple[float, ...] = (50, 95)) -> dict[str, float]:
    """{'p50': ms, 'p95': ms, 'max': ms} of durations in seconds, exact ({} when there are none)."""
    values = np.asarray(list(seconds), np.float64)
    if values.size == 0:
        return {}
    out = {f"p{q:g}": round(float(np.percentile(values, q)) * 1000, 1) for q in qs}
    out["max"] = round(float(values.max()) * 1000, 1)
    return out


class Durations:
    """Count, sum, max and percentiles of durations in a fixed ~2,500-bin histogram (20 KB).

    Bin 0 holds everything under a microsecond, the last bin everything over a day; a
    percentile is reported at its bin's geometric centre (within 0.5 %) and never above the
    largest value seen."""

    __slots__ = ("_counts", "count", "total_s", "max_s")

    def __init__(self) -> None:
        self._counts = np.zeros(BINS, np.int64)
        self.count = 0
        self.total_s = 0.0
        self.max_s = 0.0

    def add(self, seconds: float) -> None:
        if not math.isfinite(seconds):
            return
        seconds = max(0.0, seconds)
        self._counts[_bin(seconds)] += 1
        self.count += 1
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)

    def extend(self, values: Iterable[float]) -> Durations:
        for value in values:
            self.add(value)
        return self

    @property
    def mean_s(self) -> float:
        return self.total_s / self.count if self.count else 0.0

    def percentile_s(self, q: float) -> float:
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(q / 100 * self.count))
        index = int(np.searchsorted(np.cumsum(self._counts), rank))
        return self.max_s if index >= BINS - 1 else min(_centre(index), self.max_s)

    def percentiles_ms(self, qs: tuple[float, ...] = (50, 95)) -> dict[str, float]:
        """The same keys as the module's `percentiles_ms` ({} when empty)."""
        if not self.count:
            return {}
        out = {f"p{q:g}": round(self.percentile_s(q) * 1000, 1) for q in qs}
        out["max"] = round(self.max_s * 1000, 1)
        return out


def _bin(seconds: float) -> int:
    if seconds < SMALLEST_S:
        return 0
    return min(BINS - 1, 1 + int(math.log(seconds / SMALLEST_S) / _LOG_GROWTH))


def _centre(index: int) -> float:
    if index <= 0:
        return 0.0
    return SMALLEST_S * GROWTH ** (index - 0.5)
