"""Tracking accuracy: HOTA/DetA/AssA, CLEAR MOT (MOTA, MOTP, IDSW, ...) and identity (IDF1) via TrackEval.

TrackEval (the HOTA authors' code, `trackeval` on PyPI) computes the metrics; this
module only turns `BoxTable`s into its per-frame input, after dropping predictions
on ignored objects and regions (see `matching.py`) as the benchmarks do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from detect.errors import require
from detect.evaluation.boxes import (
    IGNORE,
    IGNORE_REGION,
    NO_TRACK,
    TARGET,
    BoxTable,
    rows_by_frame,
)
from detect.evaluation.classes import ClassMetrics
from detect.evaluation.inputs import EvalInputError
from detect.evaluation.matching import box_iou, ignored_predictions

PERCENT_FIELDS = {
    "HOTA": ("hota", "HOTA"), "DetA": ("hota", "DetA"), "AssA": ("hota", "AssA"),
    "DetRe": ("hota", "DetRe"), "DetPr": ("hota", "DetPr"), "AssRe": ("hota", "AssRe"),
    "AssPr": ("hota", "AssPr"), "LocA": ("hota", "LocA"),
    "MOTA": ("clear", "MOTA"), "MOTP": ("clear", "MOTP"), "Recall": ("clear", "CLR_Re"),
    "Precision": ("clear", "CLR_Pr"),
    "IDF1": ("identity", "IDF1"), "IDP": ("identity", "IDP"), "IDR": ("identity", "IDR"),
}
"""Our name -> (TrackEval metric, field); HOTA fields are averaged over its 19 IoU thresholds."""
COUNT_FIELDS = {
    "IDSW": "IDSW", "MT": "MT", "PT": "PT", "ML": "ML", "Frag": "Frag",
    "TP": "CLR_TP", "FP": "CLR_FP", "FN": "CLR_FN",
}


def evaluate_tracking(
    gt: BoxTable,
    pred: BoxTable,
    classes: Sequence[str] | None = None,
    iou: float = 0.5,
    num_frames: int | None = None,
) -> ClassMetrics:
    """Score tracked predictions against ground truth, per class and combined.

    `gt` rows: TARGET boxes are scored, IGNORE/IGNORE_REGION boxes (any class) only
    remove predictions, OTHER rows are absent. `pred` rows without a track id are
    not tracks and are left out. `iou` is the CLEAR/IDF1 match threshold (HOTA
    integrates over 0.05..0.95 by definition). Frames run to `num_frames` or the
    last frame either side has.
    """
    trackeval_metrics = require("trackeval.metrics", "eval", "tracking metrics (HOTA, MOTA, IDF1)")
    classes = list(classes) if classes is not None else sorted(set(gt.class_name[gt.role == TARGET].tolist()))
    frames = max(num_frames or 0, gt.frame_count, pred.frame_count)
    pred = pred.select(pred.track_id != NO_TRACK)
    metrics = {
        "hota": trackeval_metrics.HOTA(),
        "clear": trackeval_metrics.CLEAR({"THRESHOLD": iou, "PRINT_CONFIG": False}),
        "identity": trackeval_metrics.Identity({"THRESHOLD": iou, "PRINT_CONFIG": False}),
    }
    raw: dict[str, dict[str, Any]] = {}
    per_class = {}
    for name in classes:
        data = sequence_data(_class_rows(gt, name), pred.select(pred.class_name == name), frames)
        raw[name] = {key: metric.eval_sequence(data) for key, metric in metrics.items()}
        per_class[name] = _summary(raw[name], data["num_gt_ids"], data["num_tracker_ids"])
    if len(classes) == 1:
        return ClassMetrics(per_class[classes[0]], per_class)
    combined = {
        key: metric.combine_classes_det_averaged({name: raw[name][key] for name in classes})
        for key, metric in metrics.items()
    }
    ids = [sum(per_class[n][k] for n in classes) for k in ("GT_IDs", "Pred_IDs")]
    return ClassMetrics(_summary(combined, *ids), per_class)


def _class_rows(gt: BoxTable, name: str) -> BoxTable:
    """Targets of one class plus every ignore object and region (they apply to all classes)."""
    return gt.select(((gt.role == TARGET) & (gt.class_name == name)) | np.isin(gt.role, (IGNORE, IGNORE_REGION)))


def sequence_data(gt: BoxTable, pred: BoxTable, num_frames: int) -> dict[str, Any]:
    """TrackEval's per-sequence input for one class: contiguous ids and IoU matrices per frame."""
    gt_rows = rows_by_frame(gt.frame, num_frames)
    pred_rows = rows_by_frame(pred.frame, num_frames)
    gt_ids, pred_ids, similarity = [], [], []
    for t in range(num_frames):
        g, p = gt_rows[t], pred_rows[t]
        role = gt.role[g]
        targets = g[role == TARGET]
        dropped = ignored_predictions(
            pred.xyxy[p], gt.xyxy[targets], gt.xyxy[g[role == IGNORE]], gt.xyxy[g[role == IGNORE_REGION]]
        )
        p = p[~dropped]
        _check_unique(gt.track_id[targets], gt.source or "ground truth", t)
        _check_unique(pred.track_id[p], pred.source or "predictions", t)
        gt_ids.append(gt.track_id[targets])
        pred_ids.append(pred.track_id[p])
        similarity.append(box_iou(gt.xyxy[targets], pred.xyxy[p]))
    gt_ids, num_gt_ids = _contiguous(gt_ids)
    pred_ids, num_pred_ids = _contiguous(pred_ids)
    return {
        "num_timesteps": num_frames,
        "num_gt_ids": num_gt_ids,
        "num_tracker_ids": num_pred_ids,
        "num_gt_dets": sum(len(ids) for ids in gt_ids),
        "num_tracker_dets": sum(len(ids) for ids in pred_ids),
        "gt_ids": gt_ids,
        "tracker_ids": pred_ids,
        "similarity_scores": similarity,
    }


def _check_unique(ids: np.ndarray, source: str, frame: int) -> None:
    """Two boxes with one id in one frame make every identity metric meaningless: refuse them."""
    if len(np.unique(ids)) != len(ids):
        values, counts = np.unique(ids, return_counts=True)
        raise EvalInputError(
            f"{source}: track id {int(values[counts > 1][0])} appears twice in frame {frame} (0-based)"
        )


def _contiguous(ids_per_frame: list[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Relabel arbitrary track ids as 0..K-1, as TrackEval's metrics index arrays by id."""
    lengths = [len(ids) for ids in ids_per_frame]
    everything = np.concatenate(ids_per_frame) if ids_per_frame else np.zeros(0, np.int64)
    unique, inverse = np.unique(everything, return_inverse=True)
    split = np.split(inverse.astype(int), np.cumsum(lengths)[:-1]) if lengths else []
    return split, len(unique)


def _summary(raw: dict[str, dict[str, Any]], gt_ids: int, pred_ids: int) -> dict[str, float | int]:
    out: dict[str, float | int] = {
        name: 100.0 * float(np.mean(raw[metric][field])) for name, (metric, field) in PERCENT_FIELDS.items()
    }
    out.update({name: int(raw["clear"][field]) for name, field in COUNT_FIELDS.items()})
    out["GT_IDs"] = int(gt_ids)
    out["Pred_IDs"] = int(pred_ids)
    return out
