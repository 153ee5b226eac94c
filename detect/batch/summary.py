"""The batch's table: `summary.csv` and `summary.jsonl` (one row per input, in input order),
the progress bar across the whole batch, and the one total line printed at the end."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path
from typing import Any

from detect.batch.worker import DONE, FAILED, SKIPPED

COLUMNS = ("input", "name", "start", "end", "status", "attempts", "frames", "seconds", "fps", "tracks",
           "tracks_by_class", "events_by_kind", "outputs", "warnings", "error")


def write_summary(out: Path, rows: list[dict[str, Any]]) -> tuple[Path, Path]:
    """Both files, each written whole under a temporary name and renamed into place."""
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in COLUMNS})
    lines = "".join(json.dumps({key: row.get(key) for key in COLUMNS}) + "\n" for row in rows)
    return _publish(out / "summary.csv", table.getvalue()), _publish(out / "summary.jsonl", lines)


def _cell(value: Any) -> Any:
    """CSV cells: `car:3;person:1` for counts, `a;b` for lists, '' for none."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ";".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def _publish(path: Path, text: str) -> Path:
    staged = path.with_name(f".{path.name}.partial")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, path)
    return path


def total_line(rows: list[dict[str, Any]], seconds: float, out: Path) -> str:
    """`batch: 16 inputs: 15 done, 0 skipped, 1 failed; 2400 frames in 95.1 s (25.2 frames/s,
    9.5 files/min) -> runs/fleet/summary.csv` (frames and rates count this run's work only)."""
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in (DONE, SKIPPED, FAILED)}
    other = len(rows) - sum(counts.values())
    frames = sum(r["frames"] for r in rows if r["status"] == DONE)
    rate = frames / seconds if seconds > 0 else 0.0
    files = counts[DONE] / seconds * 60 if seconds > 0 else 0.0
    left = f", {other} not run" if other else ""
    return (f"batch: {len(rows)} inputs: {counts[DONE]} done, {counts[SKIPPED]} skipped, {counts[FAILED]} failed"
            f"{left}; {frames} frames in {seconds:.1f} s ({rate:.1f} frames/s, {files:.1f} files/min) "
            f"-> {out / 'summary.csv'}")


class BatchProgress:
    """Files done of total, frames/s, ETA (tqdm's) and failures so far; nothing when disabled."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar: Any = None
        self._frames = 0
        self._failed = 0
        self._started = time.perf_counter()
        if enabled and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="file", dynamic_ncols=True, smoothing=0.1)
            self._bar.set_postfix_str("0 frames/s, 0 failed")

    def add(self, row: dict[str, Any]) -> None:
        self._frames += row["frames"]
        self._failed += row["status"] == FAILED
        if self._bar is not None:
            rate = self._frames / max(1e-9, time.perf_counter() - self._started)
            self._bar.set_postfix_str(f"{rate:.1f} frames/s, {self._failed} failed", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
