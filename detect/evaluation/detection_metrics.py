"""Detection accuracy: COCO AP50, AP75 and AP50-95 computed by pycocotools, the COCO reference code.

Every frame is one COCO image (frames without boxes still count: a prediction
there is a false positive). Ignore objects and ignore regions become `iscrowd`
annotations of every evaluated class, so a prediction on them is neither TP nor FP
(COCO measures crowd overlap as the share of the prediction inside the region).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from detect.errors import require
from detect.evaluation.boxes import IGNORE, IGNORE_REGION, TARGET, BoxTable
from detect.evaluation.classes import ClassMetrics

MIN_MAX_DETS = 100
"""COCO's per-image cap; raised to the busiest frame so dense scenes are not truncated."""


def evaluate_detection(gt: BoxTable, pred: BoxTable, classes: Sequence[str] | None = None) -> ClassMetrics:
    """AP per class and averaged over classes (COCO mAP); percentages, NaN for a class without ground truth."""
    coco = require("pycocotools.coco", "eval", "detection AP")
    cocoeval = require("pycocotools.cocoeval", "eval", "detection AP")
    classes = list(classes) if classes is not None else sorted(set(gt.class_name[gt.role == TARGET].tolist()))
    pred = pred.select(np.isin(pred.class_name, classes))
    frames = max(gt.frame_count, pred.frame_count, 1)
    gt_coco = _coco_dataset(gt, classes, frames)
    if len(pred) == 0:
        return _no_predictions(gt_coco, classes)
    with contextlib.redirect_stdout(io.StringIO()):
        truth = coco.COCO()
        truth.dataset = gt_coco
        truth.createIndex()
        results = truth.loadRes(_coco_results(pred, classes))
        evaluator = cocoeval.COCOeval(truth, results, "bbox")
        per_frame = np.bincount(pred.frame, minlength=frames).max()
        evaluator.params.maxDets = [max(MIN_MAX_DETS, int(per_frame))]
        evaluator.params.areaRng = [[0.0, 1e10]]
        evaluator.params.areaRngLbl = ["all"]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"][:, :, :, 0, -1]
    per_class = {name: _average_precision(precision[:, :, k]) for k, name in enumerate(classes)}
    return ClassMetrics(_average_precision(precision), per_class)


def _average_precision(precision: np.ndarray) -> dict[str, float]:
    """COCO's means over recall points (and classes) of the interpolated precision, -1 marking 'no ground truth'."""
    def mean(values: np.ndarray) -> float:
        valid = values[values > -1]
        return 100.0 * float(valid.mean()) if valid.size else float("nan")

    return {"AP50": mean(precision[0]), "AP75": mean(precision[5]), "AP50-95": mean(precision)}


def _coco_dataset(gt: BoxTable, classes: list[str], frames: int) -> dict[str, Any]:
    """Ground truth as a COCO dict: image id = frame + 1, category id = class index + 1, ids from 1."""
    annotations = []
    targets = gt.select((gt.role == TARGET) & np.isin(gt.class_name, classes))
    for frame, box, name in zip(targets.frame, targets.xyxy, targets.class_name):
        annotations.append(_annotation(frame, box, classes.index(name) + 1, crowd=False))
    ignored = gt.select(np.isin(gt.role, (IGNORE, IGNORE_REGION)))
    for frame, box in zip(ignored.frame, ignored.xyxy):
        annotations.extend(_annotation(frame, box, k + 1, crowd=True) for k in range(len(classes)))
    for number, ann in enumerate(annotations, start=1):
        ann["id"] = number
    return {
        "images": [{"id": t + 1} for t in range(frames)],
        "categories": [{"id": k + 1, "name": name} for k, name in enumerate(classes)],
        "annotations": annotations,
    }


def _annotation(frame: int, xyxy: np.ndarray, category: int, crowd: bool) -> dict[str, Any]:
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    w, h = max(x2 - x1, 0.0), max(y2 - y1, 0.0)
    return {"image_id": int(frame) + 1, "category_id": category, "bbox": [x1, y1, w, h], "area": w * h,
            "iscrowd": int(crowd)}


def _coco_results(pred: BoxTable, classes: list[str]) -> list[dict[str, Any]]:
    out = []
    for frame, box, name, score in zip(pred.frame, pred.xyxy, pred.class_name, pred.score):
        ann = _annotation(frame, box, classes.index(name) + 1, crowd=False)
        out.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "bbox": ann["bbox"],
                    "score": float(score)})
    return out


def _no_predictions(gt_coco: dict[str, Any], classes: list[str]) -> ClassMetrics:
    """Nothing predicted: AP is 0 where there was something to find, undefined elsewhere."""
    has_gt = {ann["category_id"] for ann in gt_coco["annotations"] if not ann["iscrowd"]}
    per_class = {
        name: dict.fromkeys(("AP50", "AP75", "AP50-95"), 0.0 if k + 1 in has_gt else float("nan"))
        for k, name in enumerate(classes)
    }
    overall = dict.fromkeys(("AP50", "AP75", "AP50-95"), 0.0 if has_gt else float("nan"))
    return ClassMetrics(overall, per_class)
