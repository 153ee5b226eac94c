"""Which predictions to drop before scoring because they sit on something the protocol does not score.

Two kinds, as the benchmarks define them:
- ignore objects (MOT distractors, flag-0 boxes): predictions are matched one-to-one
  (Hungarian, IoU >= 0.5) against targets and ignore objects together; those
  matched to an ignore object are dropped (MOTChallenge / TrackEval preprocessing).
- ignore regions (KITTI DontCare, COCO crowd): a prediction not matched to any
  object that lies more than half inside a region is dropped (TrackEval's KITTI rule).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from detect.bench.geometry import box_ioa, box_iou

IGNORE_IOU = 0.5
"""Fixed by the protocols, independent of the scoring threshold."""
REGION_IOA = 0.5
EPS = np.finfo(float).eps


def ignored_predictions(
    pred_xyxy: np.ndarray,
    target_xyxy: np.ndarray,
    ignore_xyxy: np.ndarray,
    region_xyxy: np.ndarray,
) -> np.ndarray:
    """(N,) bool: True for each prediction of one frame that must not be scored."""
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
