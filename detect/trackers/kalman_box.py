"""Boxes from a Kalman state, moved part of one step along its velocity, for frames the detector skipped."""

from __future__ import annotations

from typing import Literal

import numpy as np

KalmanLayout = Literal["xyah", "xywh"]
"""What the first four of the eight state values are (the last four are their velocities):
centre x, centre y, aspect (w/h) and height, or centre x, centre y, width and height."""


def advanced_xyxy(mean: np.ndarray, fraction: float, layout: KalmanLayout) -> np.ndarray:
    """The state's box after `fraction` of one filter step, computed here so the track is never touched."""
    cx, cy, third, h = np.asarray(mean[:4], np.float64) + fraction * np.asarray(mean[4:8], np.float64)
    w = third * h if layout == "xyah" else third
    left, top = cx - w / 2, cy - h / 2
    return np.array([left, top, left + w, top + h], np.float32)
