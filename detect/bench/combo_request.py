"""What a worker needs for one combination: the pipeline configs of its passes, cut to the clip's window,
and how that window is scored.

The pipeline is the one `detect run` builds from a YAML mapping. No video is written
unless the spec asks (encoding would dominate the timing); predictions go to a jsonl
file when there is ground truth to score them against. A clip's `frames:` cap becomes
the source's `end:` second (the source cuts by time, not by count), and only the
frames the run covered are scored: a run of the first 60 frames must not be charged
with misses on frames 61..900.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from detect.bench.combos import Combination
from detect.bench.spec import BenchSpec, ClipSpec
from detect.errors import SourceError
from detect.evaluation.boxes import BoxTable
from detect.evaluation.command import score_tables
from detect.evaluation.ground_truth import read_ground_truth
from detect.evaluation.predictions import read_predictions

PREDICTIONS = "predictions.jsonl"
VIDEO = "annotated.mp4"
SERIAL_DIR = "serial"
HALF_FRAME = 0.5
"""The end falls half a frame after the last wanted frame, so rounding in timestamps cannot drop or add one."""


def describe(combo: Combination) -> dict[str, Any]:
    """The combination as stored in every result (failed ones too)."""
    return {
        "key": combo.key,
        "label": combo.label,
        "detector_label": combo.detector_label,
        "tracker_label": combo.tracker_label,
        "clip_label": combo.clip.label,
        "detector": combo.detector,
        "tracker": combo.tracker,
        "clip": combo.clip.model_dump(mode="json"),
    }


def build_request(combo: Combination, spec: BenchSpec, out_dir: Path) -> dict[str, Any]:
    """Configs for the threaded pass (throughput, outputs) and the optional serial pass (stage breakdown)."""
    end = source_end(combo.clip)
    writes_predictions = combo.clip.gt is not None or spec.outputs.jsonl
    threaded = pipeline_config(combo, end, out_dir, writes_predictions, spec.outputs.video)
    serial = pipeline_config(combo, end, out_dir / SERIAL_DIR, writes_predictions, spec.outputs.video)
    gt = None
    if combo.clip.gt is not None:
        gt = {"path": combo.clip.gt, "class_map": combo.clip.class_map, "classes": combo.clip.eval_classes,
              "iou": spec.iou}
    return {
        "combination": describe(combo),
        "threaded": threaded,
        "serial": serial if spec.measure.serial else None,
        "predictions": str(out_dir / PREDICTIONS) if writes_predictions else None,
        "gt": gt,
    }


def pipeline_config(combo: Combination, end: float | None, out_dir: Path, predictions: bool,
                    video: bool) -> dict[str, Any]:
    """The pipeline mapping, as a user would write it in YAML."""
    config: dict[str, Any] = {
        "source": {"type": "video", "path": combo.clip.path, "start": combo.clip.start, "end": end},
        "detector": dict(combo.detector),
        "tracker": dict(combo.tracker),
        "sinks": [],
    }
    if predictions:
        config["sinks"].append({"type": "jsonl", "path": str(out_dir / PREDICTIONS)})
    if video:
        config["annotators"] = [{"type": "boxes"}, {"type": "labels"}]
        config["sinks"].append({"type": "video", "path": str(out_dir / VIDEO)})
    return config


def source_end(clip: ClipSpec) -> float | None:
    """The exclusive end second that keeps at most `clip.frames` frames from `clip.start` (and not past `clip.end`)."""
    if clip.frames is None:
        return clip.end
    fps, first_pts = video_timing(clip.path)
    first = math.ceil((clip.start - first_pts) * fps - 1e-6) if clip.start > first_pts else 0
    end = first_pts + (first + clip.frames - HALF_FRAME) / fps
    return end if clip.end is None else min(end, clip.end)


def video_timing(path: str) -> tuple[float, float]:
    """(frames per second, time of the first frame) from the container, without decoding."""
    import av

    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    except (av.FFmpegError, IndexError) as exc:
        raise SourceError(f"cannot read the frame rate of {path}: {exc}") from None
    if fps <= 0:
        raise SourceError(f"{path}: no frame rate in the container; use `end:` seconds instead of `frames:`")
    return fps, start


def score_window(
    gt: str,
    predictions: str,
    first_frame: int,
    frames: int,
    class_map: Mapping[str, str] | None = None,
    classes: Iterable[str] | None = None,
    iou: float = 0.5,
) -> dict[str, Any]:
    """`detect eval`'s result for video frames first_frame..first_frame+frames-1 (0-based)."""
    truth = crop_window(read_ground_truth(gt), first_frame, frames)
    scored = score_tables(truth, read_predictions(predictions), class_map, iou, classes)
    return {"gt": gt, "pred": predictions, "first_frame": first_frame, **scored}


def crop_window(table: BoxTable, first: int, count: int) -> BoxTable:
    """Rows of frames first..first+count-1, renumbered from 0; the table then spans exactly `count` frames."""
    inside = (table.frame >= first) & (table.frame < first + count)
    cropped = table.select(inside)
    names = table.frame_names[first:first + count] if table.frame_names else None
    return replace(cropped, frame=cropped.frame - first, num_frames=count, frame_names=names)
