"""What `detect bench` writes: result files, `bench.json`, `bench.md` and the tables (terminal and markdown).

Result files are written atomically: a result file either is complete or absent, so it
is the marker that lets a later run skip a finished combination.

`bench.json` layout (schema_version 1): {schema, schema_version, created, spec_path, spec,
platform, summary: {combinations, ok, failed, reused}, combinations: [result, ...]} where
each result is what the worker wrote (see worker.run_combination) or a failed record
{status: "failed", error, key, label, detector, tracker, clip, ...}. Rates are
percentages, times are seconds (`*_s`) or milliseconds (`*_ms`), undefined values null.
Bump SCHEMA_VERSION on any change that could break a reader.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from detect.bench.measurement import STAGE_ORDER, platform_info
from detect.bench.spec import BenchSpec
from detect.evaluation.command import nan_to_none
from detect.evaluation.inputs import is_number
from detect.json_values import plain

SCHEMA = "detect.bench"
SCHEMA_VERSION = 1

MAIN_HEADERS = ("clip", "detector", "tracker", "frames", "fps", "RTF", "infer p50 ms", "load s", "warmup s",
                "CPU %", "RSS MB", "HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "AP50", "AP50-95", "bg CPU %")
"""`bg CPU %`: CPU other processes took while the combination streamed (other work skews speed)."""
TERMINAL_HEADERS = ("clip", "detector", "tracker", "fps", "infer p50 ms", "RSS MB", "HOTA", "MOTA", "IDF1", "AP50")
"""The columns printed in a terminal (the whole table is in bench.md)."""
TERMINAL_WIDTH = 120
LABEL_CHARS = 24
REPORTED_STAGES = tuple(s for s in STAGE_ORDER if s != "analytics")
"""The issue's stages; analytics only shows up when a spec's pipeline has analytics (it has none by default)."""

METHOD = """\
How to read it:
- fps, RTF (real-time factor = video seconds / wall seconds), CPU % (process CPU time while
  frames stream / wall time / logical cores) and RSS (peak resident memory of the worker
  process that ran this one combination) come from the threaded run, the same code path as
  `detect run`. load s / warmup s: model load (exports are prepared before timing) and
  warm-up inference, in a fresh process. `bg CPU %` is the share of the machine other
  processes (and the hypervisor) used while frames streamed: well above 0 means the speed
  numbers of that row were measured on a shared CPU.
- Per-stage latencies come from a second, serial run of the same frames (stages do not
  overlap there, so they add up to its wall time; `sum/wall` shows how closely). Detector
  stages (preprocess, inference, postprocess) count only frames the detector ran on.
- Accuracy (percent) is scored on the frames the run covered only, with `detect eval`'s
  code: HOTA/DetA/AssA/MOTA/IDF1/IDSW by TrackEval, AP50 and AP50-95 by pycocotools
  (COCO protocol), ignore objects and regions honoured. AP is computed on everything the
  pipeline wrote (tracked and untracked boxes)."""


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


def terminal_table(results: Sequence[dict[str, Any]]) -> str:
    """The main table cut to TERMINAL_HEADERS, with labels clipped, to fit 120 columns."""
    picked = [MAIN_HEADERS.index(h) for h in TERMINAL_HEADERS]
    rows = [[_clip_label(row[i]) if n < 3 else row[i] for n, i in enumerate(picked)] for row in main_rows(results)]
    return text_table(TERMINAL_HEADERS, rows)


def _clip_label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "~"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|", *(line(row) for row in rows)])


def _num(value: Any, digits: int) -> str:
    if value is None:
        return ""
    return f"{float(value):.{digits}f}"


def build_report(results: list[dict[str, Any]], spec: BenchSpec, spec_path: str | None) -> dict[str, Any]:
    """The whole bench as one JSON-able mapping."""
    ok = sum(r.get("status") == "ok" for r in results)
    return nan_to_none({
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "spec_path": spec_path,
        "spec": spec.model_dump(mode="json"),
        "platform": platform_info(),
        "summary": {"combinations": len(results), "ok": ok, "failed": len(results) - ok,
                    "reused": sum(bool(r.get("cached")) for r in results)},
        "combinations": results,
    })


def write_report_json(report: dict[str, Any], path: Path) -> Path:
    write_json(path, report)
    return path


def markdown_report(report: dict[str, Any], plots: dict[str, Path], out_dir: Path) -> str:
    """The whole document; plots are linked relative to OUT so the folder can be moved or published."""
    results = report["combinations"]
    platform = report["platform"]
    versions = ", ".join(f"{k} {v}" for k, v in platform["versions"].items() if v)
    summary = report["summary"]
    parts = [
        "# detect bench",
        (f"Spec `{report.get('spec_path')}`, {summary['combinations']} combinations ({summary['ok']} ok, "
         f"{summary['failed']} failed), created {report['created']}."),
        (f"Platform: {platform['cpu']}, {platform['physical_cores']} cores / {platform['logical_cores']} threads, "
         f"{platform['memory_gb']} GB, {platform['os']}, Python {platform['python']}; {versions}."),
        "## Speed and accuracy",
        markdown_table(MAIN_HEADERS, main_rows(results)),
    ]
    stage_table = stage_rows(results)
    if stage_table:
        parts += ["## Per-stage latency (ms, p50/p95, serial run)", markdown_table(stage_headers(), stage_table)]
    for title, path in plots.items():
        parts.append(f"![{title}]({path.relative_to(out_dir).as_posix()})")
    failed = failed_lines(results)
    if failed:
        parts += ["## Failed", "\n".join(f"- {line}" for line in failed)]
    parts.append(METHOD)
    return "\n\n".join(parts) + "\n"


def write_markdown(report: dict[str, Any], plots: dict[str, Path], out_dir: Path) -> Path:
    path = out_dir / "bench.md"
    path.write_text(markdown_report(report, plots, out_dir), encoding="utf-8")
    return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Strict JSON (NaN written as null), renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(plain(data), indent=2, allow_nan=False), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    """A stored mapping, or None when missing or unreadable (then the combination simply runs again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None
