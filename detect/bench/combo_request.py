"""What a worker needs for one combination: the pipeline configs of its passes and how to score it.

The pipeline is the one `detect run` builds from a YAML mapping. No video is written
unless the spec asks (encoding would dominate the timing); predictions go to a jsonl
file when there is ground truth to score them against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detect.bench.clip_window import source_end
from detect.bench.combos import Combination
from detect.bench.spec import BenchSpec

PREDICTIONS = "predictions.jsonl"
VIDEO = "annotated.mp4"
SERIAL_DIR = "serial"


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
