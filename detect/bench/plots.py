"""PNG plots of a bench: accuracy against speed (one point per combination) and stacked per-stage latency.

matplotlib's object API (Figure, no pyplot) keeps it free of global state and of any
display: it works headless and in threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detect.bench.measurement import STAGE_ORDER
from detect.bench.reports import by_clip
from detect.errors import require

ACCURACY_PLOT = "bench_accuracy_vs_fps.png"
STAGES_PLOT = "bench_stage_latency.png"
MARKERS = "osD^vP*Xh<>p"
DPI = 90
VISIBLE_MS = 0.01
"""Stages below this many ms per frame in every bar (no analytics configured) stay out of the legend."""


def write_plots(results: list[dict[str, Any]], out_dir: Path) -> dict[str, Path]:
    """The plots there is data for, by title."""
    ok = [r for r in results if r.get("status") == "ok"]
    plots = {}
    scored = [r for r in ok if (r.get("accuracy") or {}).get("metrics")]
    if scored:
        plots["accuracy vs fps"] = accuracy_vs_fps(scored, out_dir / ACCURACY_PLOT)
    staged = [r for r in ok if r["speed"].get("stages")]
    if staged:
        plots["per-stage latency"] = stage_bars(staged, out_dir / STAGES_PLOT)
    return plots


def accuracy_vs_fps(results: list[dict[str, Any]], path: Path) -> Path:
    """HOTA and AP50 against end-to-end fps: colour = detector, marker = clip."""
    figure = require("matplotlib.figure", "eval", "bench plots")
    lines = require("matplotlib.lines", "eval", "bench plots")
    detectors = list(dict.fromkeys(r["detector_label"] for r in results))
    clips = list(dict.fromkeys(r["clip_label"] for r in results))
    colors = {d: f"C{i % 10}" for i, d in enumerate(detectors)}
    markers = {c: MARKERS[i % len(MARKERS)] for i, c in enumerate(clips)}
    fig = figure.Figure(figsize=(10, 4.6), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("HOTA", "AP50")):
        for record in results:
            value = record["accuracy"]["metrics"].get(metric)
            if value is None:
                continue
            ax.scatter(record["speed"]["fps"], value, color=colors[record["detector_label"]],
                       marker=markers[record["clip_label"]], s=55, edgecolors="black", linewidths=0.4)
        ax.set_xlabel("end-to-end fps (threaded run)")
        ax.set_ylabel(f"{metric} (%)")
        ax.set_title(f"{metric} vs speed, one point per combination")
        ax.grid(alpha=0.3)
    handles = [lines.Line2D([], [], color=colors[d], marker="o", linestyle="", label=d) for d in detectors]
    handles += [lines.Line2D([], [], color="gray", marker=markers[c], linestyle="", label=c) for c in clips]
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
    fig.savefig(path)
    return path


def stage_bars(results: list[dict[str, Any]], path: Path) -> Path:
    """One horizontal bar per combination: mean ms per frame of each stage (serial run), stacked."""
    figure = require("matplotlib.figure", "eval", "bench plots")
    results = by_clip(results)
    labels = [f"{r['clip_label']} · {r['detector_label']} · {r['tracker_label']}" for r in results]
    stages = [s for s in STAGE_ORDER if max(_per_frame(r, s) for r in results) >= VISIBLE_MS]
    fig = figure.Figure(figsize=(10, 1.2 + 0.28 * len(results)), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    left = [0.0] * len(results)
    for i, stage in enumerate(stages):
        widths = [_per_frame(r, stage) for r in results]
        ax.barh(labels, widths, left=left, color=f"C{i % 10}", label=stage)
        left = [a + b for a, b in zip(left, widths)]
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("ms per frame (serial run; bar length ≈ wall time per frame)")
    ax.set_title("Per-stage latency")
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path)
    return path


def _per_frame(record: dict[str, Any], stage: str) -> float:
    return float((record["speed"]["stages"].get(stage) or {}).get("per_frame_ms") or 0.0)
