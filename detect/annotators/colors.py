"""One stable colour per track (or class, when untracked), shared by every annotator."""

from __future__ import annotations

import numpy as np

PALETTE: tuple[tuple[int, int, int], ...] = (
    (56, 56, 255), (151, 157, 255), (31, 112, 255), (29, 178, 255), (49, 210, 207),
    (10, 249, 72), (23, 204, 146), (134, 219, 61), (52, 147, 26), (187, 212, 0),
    (168, 153, 44), (255, 194, 0), (147, 69, 52), (255, 115, 100), (236, 24, 0),
    (255, 56, 132), (133, 0, 82), (255, 56, 203), (200, 149, 255), (199, 55, 255),
)


def color_for(class_id: int, track_id: int | None) -> tuple[int, int, int]:
    key = track_id if track_id is not None and track_id >= 0 else class_id
    return PALETTE[int(key) % len(PALETTE)]


def colors(class_id: np.ndarray, tracker_id: np.ndarray | None) -> list[tuple[int, int, int]]:
    tids = tracker_id if tracker_id is not None else [None] * len(class_id)
    return [color_for(int(c), None if t is None else int(t)) for c, t in zip(class_id, tids)]
