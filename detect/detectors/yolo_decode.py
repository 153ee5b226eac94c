"""Raw YOLO head output -> Detections: confidence filter, class-aware NMS, back to frame pixels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detect.detectors.letterbox import Placement
from detect.types import Detections

MAX_CANDIDATES = 30000


def decode(raw: np.ndarray, placement: Placement, frame_hw: tuple[int, int], conf: float, iou: float,
           max_det: int, classes: Sequence[int] | None) -> Detections:
    """One image's (4 + nc, anchors) output, as Ultralytics' non_max_suppression treats it."""
    import cv2

    scores_all = raw[4:]
    class_id = scores_all.argmax(0)
    score = scores_all[class_id, np.arange(scores_all.shape[1])]
    keep = score > conf
    if classes is not None:
        keep &= np.isin(class_id, classes)
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return Detections.empty()
    if idx.size > MAX_CANDIDATES:
        idx = idx[np.argsort(-score[idx])[:MAX_CANDIDATES]]
    cx, cy, w, h = raw[0, idx], raw[1, idx], raw[2, idx], raw[3, idx]
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    score, class_id = score[idx].astype(np.float32), class_id[idx]
    xywh = np.stack([xyxy[:, 0], xyxy[:, 1], w, h], axis=1).astype(np.float64)
    kept = cv2.dnn.NMSBoxesBatched(xywh, score.astype(np.float64), class_id.astype(np.int32), conf, iou)
    kept = np.asarray(kept, dtype=np.int64).reshape(-1)
    kept = kept[np.argsort(-score[kept], kind="stable")][:max_det]
    return Detections(
        xyxy=placement.to_frame(xyxy[kept], frame_hw[1], frame_hw[0]),
        confidence=score[kept],
        class_id=class_id[kept].astype(np.int64),
    )
