"""The bench's tables as rows of strings, shared by the terminal output and bench.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detect.bench.stage_stats import STAGE_ORDER
from detect.bench.text_rows import is_number

MAIN_HEADERS = ("clip", "detector", "tracker", "frames", "fps", "RTF", "infer p50 ms", "load s", "warmup s",
                "CPU %", "RSS MB", "HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "AP50", "AP50-95", "bg CPU %")
"""`bg CPU %`: CPU other processes took while the combination streamed (other work skews speed)."""
REPORTED_STAGES = tuple(s for s in STAGE_ORDER if s != "analytics")
"""The issue's stages; analytics only shows up when a spec's pipeline has analytics (it has none by default)."""


def by_clip(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results grouped by clip (in the order clips first appear), keeping the run order inside a clip."""
    order: dict[str, int] = {}
    for record in results:
        order.setdefault(record.get("clip_label", ""), len(order))
    return sorted(results, key=lambda r: order[r.get("clip_label", "")])


def main_rows(results: Sequence[dict[str, Any]]) -> list[list[str]]:
    """One row per successful combination: speed, then accuracy (blank without ground truth)."""
    rows = []
    for record in by_clip([r for r in results if r.get("status") == "ok"]):
        speed = record["speed"]
        metrics = (record.get("accuracy") or {}).get("metrics") or {}
        inference = (speed.get("stages") or speed.get("threaded_stages") or {}).get("inference") or {}
        rows.append([
            record["clip_label"], record["detector_label"], record["tracker_label"], str(record["run"]["frames"]),
            _num(speed["fps"], 1), _num(speed["realtime_factor"], 2), _num(inference.get("p50_ms"), 1),
            _num(speed["load_s"], 2), _num(speed["warmup_s"], 2), _num(speed["cpu_util_pct"], 0),
            _num(speed["peak_rss_mb"], 0),
            *(_num(metrics.get(name), 1) for name in ("HOTA", "DetA", "AssA", "MOTA", "IDF1")),
            _num(metrics.get("IDSW"), 0), _num(metrics.get("AP50"), 1), _num(metrics.get("AP50-95"), 1),
            _num(speed.get("background_cpu_pct"), 0),
        ])
    return rows


def stage_headers() -> list[str]:
    return ["clip", "detector", "tracker", "serial fps", *(f"{s} p50/p95" for s in REPORTED_STAGES), "sum/wall"]


def stage_rows(results: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The serial pass: its fps, per-stage p50/p95 in ms, and how well the stages add up to its wall time."""
    rows = []
    for record in by_clip([r for r in results if r.get("status") == "ok" and r["speed"].get("stages")]):
        stages = record["speed"]["stages"]
        cells = []
        for name in REPORTED_STAGES:
            stage = stages.get(name)
            cells.append(f"{_num(stage['p50_ms'], 1)}/{_num(stage['p95_ms'], 1)}" if stage else "")
        serial = record["speed"]["serial"]
        ratio = serial["sum_over_wall"]
        rows.append([record["clip_label"], record["detector_label"], record["tracker_label"], _num(serial["fps"], 1),
                     *cells,
                     f"{100 * ratio:.0f} %" if ratio is not None else ""])
    return rows


def failed_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    return [f"{r.get('label', r.get('key'))}: {r.get('error')}" for r in results if r.get("status") != "ok"]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns for a terminal: text left, numbers right."""
    widths = [max(len(str(h)), *(len(row[i]) for row in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    numeric = [all(is_number(row[i]) for row in rows if row[i]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|", *(line(row) for row in rows)])


def _num(value: Any, digits: int) -> str:
    if value is None:
        return ""
    return f"{float(value):.{digits}f}"
