"""Box overlap measures used by matching: IoU for objects, intersection-over-prediction for regions."""

from __future__ import annotations

import numpy as np


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
