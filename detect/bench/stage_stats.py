"""Per-stage latency statistics, and the check that a serial run's stage times add up to its wall time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from detect.stats import Durations

STAGE_ORDER = ("decode", "preprocess", "inference", "postprocess", "track", "analytics", "annotate", "encode")
"""Pipeline order; a stage not listed here (a plugin's) follows in the order it was recorded."""
SUM_TOLERANCE = 0.10
"""The issue's bar: in a serial run the stages must explain the wall time within 10 %."""


def ordered_stages(names: Sequence[str]) -> list[str]:
    known = [name for name in STAGE_ORDER if name in names]
    return known + [name for name in names if name not in STAGE_ORDER]


def stage_summary(stage_times: Mapping[str, Durations], frames: int) -> dict[str, dict[str, float | int]]:
    """p50/p95/mean in ms over the frames a stage ran on, its total seconds, and its share per written frame.

    `per_frame_ms` (total / all frames) is what stacks up to the wall time per frame:
    detector stages skip frames when `detect_every` > 1, so their mean over the
    frames they ran on would overstate their cost per frame.
    """
    out: dict[str, dict[str, float | int]] = {}
    for name in ordered_stages(list(stage_times)):
        times = stage_times[name]
        if not times.count:
            continue
        out[name] = {
            "p50_ms": 1000.0 * times.percentile_s(50),
            "p95_ms": 1000.0 * times.percentile_s(95),
            "mean_ms": 1000.0 * times.mean_s,
            "per_frame_ms": 1000.0 * times.total_s / max(frames, 1),
            "total_s": times.total_s,
            "count": times.count,
        }
    return out


def sum_check(stages: Mapping[str, Mapping[str, Any]], wall_s: float) -> dict[str, Any]:
    """How well the stage totals explain the wall time; `ok` when within SUM_TOLERANCE."""
    total = float(sum(float(s["total_s"]) for s in stages.values()))
    ratio = total / wall_s if wall_s > 0 else float("nan")
    return {"stage_sum_s": total, "wall_s": wall_s, "sum_over_wall": ratio,
            "ok": bool(abs(ratio - 1.0) <= SUM_TOLERANCE)}
