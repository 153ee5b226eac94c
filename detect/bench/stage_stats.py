"""Per-stage latency statistics, and the check that a serial run's stage times add up to its wall time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

STAGE_ORDER = ("decode", "preprocess", "inference", "postprocess", "track", "analytics", "annotate", "encode")
"""Pipeline order; a stage not listed here (a plugin's) follows in the order it was recorded."""
SUM_TOLERANCE = 0.10
"""The issue's bar: in a serial run the stages must explain the wall time within 10 %."""


def ordered_stages(names: Sequence[str]) -> list[str]:
    known = [name for name in STAGE_ORDER if name in names]
    return known + [name for name in names if name not in STAGE_ORDER]


def stage_summary(stage_times: Mapping[str, Sequence[float]], frames: int) -> dict[str, dict[str, float | int]]:
    """p50/p95/mean in ms over the frames a stage ran on, its total seconds, and its share per written frame.

    `per_frame_ms` (total / all frames) is what stacks up to the wall time per frame:
    detector stages skip frames when `detect_every` > 1, so their mean over the
    frames they ran on would overstate their cost per frame.
    """
    out: dict[str, dict[str, float | int]] = {}
    for name in ordered_stages(list(stage_times)):
        values = np.asarray(stage_times[name], dtype=np.float64)
        if values.size == 0:
            continue
        total = float(values.sum())
        out[name] = {
            "p50_ms": 1000.0 * float(np.percentile(values, 50)),
            "p95_ms": 1000.0 * float(np.percentile(values, 95)),
            "mean_ms": 1000.0 * float(values.mean()),
            "per_frame_ms": 1000.0 * total / max(frames, 1),
            "total_s": total,
            "count": int(values.size),
        }
    return out


def percentiles_ms(values: Sequence[float]) -> dict[str, float] | None:
    """p50/p95 of a list of seconds, in ms (None when empty)."""
    if not values:
        return None
    array = np.asarray(values, dtype=np.float64)
    return {"p50_ms": 1000.0 * float(np.percentile(array, 50)), "p95_ms": 1000.0 * float(np.percentile(array, 95))}


def sum_check(stages: Mapping[str, Mapping[str, Any]], wall_s: float) -> dict[str, Any]:
    """How well the stage totals explain the wall time; `ok` when within SUM_TOLERANCE."""
    total = float(sum(float(s["total_s"]) for s in stages.values()))
    ratio = total / wall_s if wall_s > 0 else float("nan")
    return {"stage_sum_s": total, "wall_s": wall_s, "sum_over_wall": ratio,
            "ok": bool(abs(ratio - 1.0) <= SUM_TOLERANCE)}
