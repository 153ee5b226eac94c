"""Flip test-time augmentation: the detector also looks at the mirrored frame, and each box is fused
with its mirrored twin by weighted box fusion (WBF, the `ensemble-boxes` package).

Averaging two looks at one person steadies the box's edges, which HOTA scores at every IoU from
0.05 to 0.95, and a person one look misses the other may find (README: Tracking accuracy).
"""

from __future__ import annotations

import numpy as np

from detect.types import Detections

FUSION_CONF_TYPE = "max"
"""WBF's score for a fused box: the higher of the two looks'. The mean (WBF's default) halves the score
of a box only one look found, which lost tracks on every sequence tried (README: Tracking accuracy)."""


def unmirror(raw: np.ndarray, width: int) -> np.ndarray:
    """Raw head output (N, 4 + classes, anchors) of mirrored inputs `width` wide, as if seen unmirrored:
    the boxes' centre x reflected (the mirror changes no width, height or score)."""
    out = raw.copy()
    out[:, 0] = width - out[:, 0]
    return out


def fuse(looks: list[Detections], frame_hw: tuple[int, int], iou: float, conf: float) -> Detections:
    """Boxes of several looks at one frame -> one box per object (WBF over boxes of the same class
    overlapping by `iou` or more), those scoring below `conf` dropped."""
    from ensemble_boxes import weighted_boxes_fusion

    if all(len(d) == 0 for d in looks):
        return Detections.empty()
    h, w = frame_hw
    scale = np.array([w, h, w, h], np.float64)
    boxes, scores, labels = weighted_boxes_fusion(
        [d.xyxy.astype(np.float64) / scale for d in looks], [d.confidence.astype(np.float64) for d in looks],
        [d.class_id for d in looks], iou_thr=iou, conf_type=FUSION_CONF_TYPE)
    keep = scores >= conf
    order = np.argsort(-scores[keep], kind="stable")
    return Detections(xyxy=(boxes[keep] * scale).astype(np.float32)[order],
                      confidence=scores[keep].astype(np.float32)[order],
                      class_id=labels[keep].astype(np.int64)[order])
