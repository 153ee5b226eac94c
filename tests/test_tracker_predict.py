"""Boxes for frames the detector skipped: the Kalman state moved part of a step, the track untouched."""

from __future__ import annotations

import numpy as np
import pytest

from detect.trackers.ultralytics_trackers import BoTSORT, ByteTrack, advanced_xyxy
from detect.types import Detections, Frame


def growing_box(step: float) -> np.ndarray:
    """A box moving right and down and growing (same aspect), at a constant rate per detector frame."""
    return np.array([[40 + 6 * step, 30 + 2 * step, 100 + 9 * step, 110 + 6 * step]], np.float32)


def frame_at(index: int) -> Frame:
    return Frame(image=np.zeros((300, 400, 3), np.uint8), index=index, pts_s=index / 10, source_id="s")


def test_both_kalman_layouts_give_the_same_box():
    velocity = np.array([4.0, -2.0, 0.0, 10.0])
    xyah = np.array([50.0, 60.0, 0.5, 40.0, *velocity])
    xywh = np.array([50.0, 60.0, 20.0, 40.0, 4.0, -2.0, 5.0, 10.0])
    np.testing.assert_allclose(advanced_xyxy(xyah, 0.0, "xyah"), [40, 40, 60, 80])
    np.testing.assert_allclose(advanced_xyxy(xyah, 0.5, "xyah"), [40.75, 36.5, 63.25, 81.5])
    np.testing.assert_allclose(advanced_xyxy(xywh, 0.5, "xywh"), [40.75, 36.5, 63.25, 81.5])


@pytest.mark.parametrize("kind", [ByteTrack, BoTSORT])
@pytest.mark.parametrize("fraction", [0.0, 1 / 3, 0.5, 2 / 3])
def test_predicted_box_continues_the_motion_and_leaves_the_track_alone(kind, fraction):
    tracker = kind(kind.Params()) if kind is ByteTrack else kind(kind.Params(gmc_method="none"))
    one = np.zeros(1, np.int64)
    for step in range(20):
        tracker.update(Detections(growing_box(step), np.full(1, 0.9, np.float32), one), frame_at(step))
    first = tracker.predict(frame_at(20), fraction)
    again = tracker.predict(frame_at(20), fraction)
    np.testing.assert_allclose(first.xyxy, growing_box(19 + fraction), atol=1.0)
    np.testing.assert_array_equal(first.xyxy, again.xyxy)
    assert first.tracker_id.tolist() == [1]
    carried_on = tracker.update(Detections(growing_box(20), np.full(1, 0.9, np.float32), one), frame_at(20))
    assert carried_on.tracker_id.tolist() == [1]
