"""Which predictions are scored: box overlap (IoU, intersection-over-prediction) and the protocols' ignore rules.

Two kinds of ignored ground truth, as the benchmarks define them:
- ignore objects (MOT distractors, flag-0 boxes): predictions are matched one-to-one
  (Hungarian, IoU >= 0.5) against targets and ignore objects together; those
  matched to an ignore object are dropped (MOTChallenge / TrackEval preprocessing).
- ignore regions (KITTI DontCare, COCO crowd): a prediction not matched to any
  object that lies more than half inside a region is dropped (TrackEval's KITTI rule).
"""

from __future__ import annotations

import numpy as np

IGNORE_IOU = 0.5
"""Fixed by the protocols, independent of the scoring threshold."""
REGION_IOA = 0.5
EPS = np.finfo(float).eps


def _intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(Na, Nb) intersection areas of xyxy boxes (no +1 pixel convention, as TrackEval and COCO)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def box_area(boxes: np.ndarray) -> np.ndarray:
    """(N,) areas of xyxy boxes; degenerate boxes have area 0."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(Na, Nb) intersection over union; 0 where both boxes are empty."""
    inter = _intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > np.finfo(float).eps)


def box_ioa(a: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """(Na, Nr) share of each box `a` that lies inside each region (how crowd/DontCare areas are tested)."""
    inter = _intersection(a, regions)
    area = box_area(a)[:, None]
    return np.divide(inter, area, out=np.zeros_like(inter), where=area > np.finfo(float).eps)


def ignored_predictions(
    pred_xyxy: np.ndarray,
    target_xyxy: np.ndarray,
    ignore_xyxy: np.ndarray,
    region_xyxy: np.ndarray,
) -> np.ndarray:
    """(N,) bool: True for each prediction of one frame that must not be scored."""
    from scipy.optimize import (
        linear_sum_assignment,  # scipy is slow to import; `detect --help` needs none of it
    )

    n = len(pred_xyxy)
    dropped = np.zeros(n, dtype=bool)
    if n == 0 or (len(ignore_xyxy) == 0 and len(region_xyxy) == 0):
        return dropped
    objects = np.concatenate([target_xyxy.reshape(-1, 4), ignore_xyxy.reshape(-1, 4)])
    matched = np.zeros(n, dtype=bool)
    if len(objects):
        score = box_iou(objects, pred_xyxy)
        score[score < IGNORE_IOU - EPS] = 0
        rows, cols = linear_sum_assignment(-score)
        real = score[rows, cols] > EPS
        rows, cols = rows[real], cols[real]
        matched[cols] = True
        dropped[cols[rows >= len(target_xyxy)]] = True
    if len(region_xyxy):
        inside = np.any(box_ioa(pred_xyxy, region_xyxy) > REGION_IOA + EPS, axis=1)
        dropped |= inside & ~matched
    return dropped
