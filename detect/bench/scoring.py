"""Accuracy of one bench combination: its predictions against the ground truth of the frames it ran on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from detect.bench.eval_command import score_tables
from detect.bench.gt_readers import read_ground_truth
from detect.bench.pred_readers import read_predictions
from detect.bench.window import crop_window


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
