"""`speed`: range rate of tracks moving at known relative speeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from detect.analytics.speed import Speed
from detect.columns import REL_SPEED_MPS, SPEED_MPS

from .synth import KITTI, box_at, kitti_camera, packet

KITTI_CAMERA = KITTI.model_dump(exclude_none=True)


@pytest.mark.parametrize("rel_speed", [-6.0, 3.0])
def test_relative_speed_from_range_change(rel_speed: float) -> None:
    stage = Speed(Speed.Params(camera=KITTI_CAMERA, ego_speed_kmh=36.0))
    camera = kitti_camera()
    for i in range(20):
        out = stage.process(packet(i, [box_at(camera, 25.0 + rel_speed * i / 10)], ids=[3]))
        data = out.detections.data
        if i < 4:
            assert math.isnan(data[REL_SPEED_MPS][0])
    assert data[REL_SPEED_MPS][0] == pytest.approx(rel_speed, rel=0.1)
    assert data[SPEED_MPS][0] == pytest.approx(10.0 + rel_speed, rel=0.1)


def test_no_ego_speed_means_no_absolute_speed_column() -> None:
    stage = Speed(Speed.Params(camera=KITTI_CAMERA))
    out = stage.process(packet(0, [box_at(kitti_camera(), 20.0)], ids=[1]))
    assert SPEED_MPS not in out.detections.data
    assert REL_SPEED_MPS in out.detections.data


def test_switching_range_method_is_not_a_movement() -> None:
    """A box that starts touching the image bottom changes how range is measured, not where the car is."""
    stage = Speed(Speed.Params(camera=KITTI_CAMERA, min_samples=3))
    camera = kitti_camera()
    x1, y1, x2, _ = box_at(camera, 6.0)
    for i in range(10):
        bottom = box_at(camera, 6.0)[3] if i < 5 else 375.0
        out = stage.process(packet(i, [(x1, y1, x2, bottom)], ids=[1]))
        speed = out.detections.data[REL_SPEED_MPS][0]
        assert math.isnan(speed) or abs(speed) < 0.5


def test_untracked_detections_get_no_speed() -> None:
    stage = Speed(Speed.Params(camera=KITTI_CAMERA))
    for i in range(8):
        out = stage.process(packet(i, [box_at(kitti_camera(), 20.0 - i)], ids=[-1]))
    assert np.isnan(out.detections.data[REL_SPEED_MPS]).all()
