"""`python -m detect.bench.worker REQUEST.json RESULT.json`: run one combination in its own process.

A process per combination makes peak RSS and start-up (imports, model load) belong
to that combination alone, and a crash in one cannot end the bench. Two passes run:
threaded (as `detect run`: throughput, start-up, CPU, memory, the outputs that are
scored) then serial (no overlap between stages, so per-stage times add up to the
wall time). `--prepare REQUEST.json` only opens each detector once so exports land
in the cache before anything is timed.

A user-level problem ends with one `error: ...` line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from detect.bench.combo_request import score_window
from detect.bench.combos import CACHE_VERSION
from detect.bench.measurement import (
    measured_run,
    peak_rss_mb,
    platform_info,
    speed_report,
)
from detect.bench.reports import write_json
from detect.config import parse
from detect.errors import DetectError
from detect.evaluation.command import nan_to_none

os.environ.setdefault("YOLO_VERBOSE", "False")

RESULT_STATUS_OK = "ok"


def run_combination(request: dict[str, Any]) -> dict[str, Any]:
    """Both passes, then accuracy; every number of the combination as plain JSON values."""
    started = time.perf_counter()
    threaded = measured_run(request["threaded"], threaded=True)
    rss = peak_rss_mb()
    serial = measured_run(request["serial"], threaded=False) if request.get("serial") else None
    result = threaded.result
    accuracy = None
    if request.get("gt") and request.get("predictions"):
        accuracy = _accuracy(request, threaded.first_pts, result.info.fps if result.info else 0.0, result.frames)
    return {
        "cache_version": CACHE_VERSION,
        "status": RESULT_STATUS_OK,
        **request["combination"],
        "run": {
            "frames": result.frames,
            "width": result.info.width if result.info else None,
            "height": result.info.height if result.info else None,
            "source_fps": result.info.fps if result.info else None,
            "video_seconds": result.frames / result.info.fps if result.info and result.info.fps else None,
            "first_pts": threaded.first_pts,
            "backend": result.backend,
            "tracks": len(result.track_ids),
            "warnings": result.warnings,
            "outputs": result.outputs,
        },
        "speed": speed_report(threaded, serial, rss),
        "accuracy": accuracy,
        "platform": platform_info(),
        "worker_seconds": time.perf_counter() - started,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _accuracy(request: dict[str, Any], first_pts: float | None, fps: float, frames: int) -> dict[str, Any] | None:
    """Score the threaded pass's predictions on the ground-truth frames the clip covered."""
    if frames == 0:
        return None
    gt = request["gt"]
    first = round((first_pts or 0.0) * fps) if fps else 0
    return score_window(gt["path"], request["predictions"], first, frames, gt["class_map"], gt["classes"], gt["iou"])


def prepare(configs: list[dict[str, Any]]) -> None:
    """Open each detector once per distinct frame size, so exports (onnx/openvino) are cached before timing."""
    seen: set[tuple[Any, ...]] = set()
    for data in configs:
        config = parse(data)
        source = config.source.build()
        info = source.open()
        source.close()
        marker = (json.dumps(data["detector"], sort_keys=True), info.width, info.height)
        if marker in seen:
            continue
        seen.add(marker)
        detector = config.detector.build()
        try:
            detector.open(info)
        finally:
            detector.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m detect.bench.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="only open the detectors (fill the export cache)")
    parser.add_argument("request", help="request JSON written by `detect bench`")
    parser.add_argument("result", nargs="?", help="where to write the result JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        request = json.loads(Path(args.request).read_text(encoding="utf-8"))
        if args.prepare:
            prepare(request["configs"])
            return 0
        if not args.result:
            parser.error("RESULT is required unless --prepare")
        write_json(Path(args.result), nan_to_none(run_combination(request)))
    except DetectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
