"""`bench.md`: the tables, the plots and how the numbers were measured, for people to read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detect.bench.tables import (
    MAIN_HEADERS,
    failed_lines,
    main_rows,
    markdown_table,
    stage_headers,
    stage_rows,
)

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
