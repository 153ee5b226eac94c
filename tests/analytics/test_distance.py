"""`distance`: ranges of synthetic boxes placed at known distances by a pinhole camera."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from detect.analytics.camera import CameraParams
from detect.analytics.distance import Distance
from detect.columns import DISTANCE_M, DISTANCE_METHOD

from .synth import CAR, HEIGHT, PERSON, TRUCK, box_at, packet

KITTI_CAMERA = {"focal_px": 721, "cx": 609, "cy": 172, "height_m": 1.65}


def stage(**overrides: object) -> Distance:
    values = {"camera": KITTI_CAMERA, "smoothing_s": 0.0, **overrides}
    return Distance(Distance.Params(**values))


@pytest.mark.parametrize("pitch_deg", [0.0, 1.5])
@pytest.mark.parametrize("x_m", [-3.5, 0.0, 3.5])
@pytest.mark.parametrize("z_m", [10.0, 15.0, 20.0, 30.0, 40.0])
def test_range_within_5_percent_at_10_to_40_m(z_m: float, x_m: float, pitch_deg: float) -> None:
    camera = CameraParams(**KITTI_CAMERA, pitch_deg=pitch_deg).resolve(1242, 376)
    box = np.round(box_at(camera, z_m, x_m))
    out = stage(camera={**KITTI_CAMERA, "pitch_deg": pitch_deg}).process(packet(0, [box], ids=[1]))
    distance = out.detections.data[DISTANCE_M][0]
    assert abs(distance - z_m) / z_m < 0.05
    assert out.detections.data[DISTANCE_METHOD][0] == "ground"


@pytest.mark.parametrize(("cls", "height_m"), [(CAR, 1.5), (PERSON, 1.7), (TRUCK, 3.0)])
def test_contact_above_the_horizon_falls_back_to_class_height(cls: int, height_m: float) -> None:
    camera = CameraParams(**KITTI_CAMERA).resolve(1242, 376)
    x1, y1, x2, y2 = box_at(camera, 25.0, width_m=0.6 if cls == PERSON else 1.8, height_m=height_m)
    lift = y2 - camera.cy + 5
    out = stage().process(packet(0, [(x1, y1 - lift, x2, y2 - lift)], ids=[1], classes=[cls]))
    assert out.detections.data[DISTANCE_METHOD][0] == "height"
    assert out.detections.data[DISTANCE_M][0] == pytest.approx(25.0, rel=0.05)


def test_box_cut_by_the_image_bottom_gives_an_upper_bound() -> None:
    camera = CameraParams(**KITTI_CAMERA).resolve(1242, 376)
    x1, y1, x2, _ = box_at(camera, 5.0)
    out = stage().process(packet(0, [(x1, y1, x2, HEIGHT - 3)], ids=[1]))
    assert out.detections.data[DISTANCE_METHOD][0] == "bound"
    assert 5.0 <= out.detections.data[DISTANCE_M][0] < 6.5


def test_classes_outside_the_list_get_no_range() -> None:
    camera = CameraParams(**KITTI_CAMERA).resolve(1242, 376)
    box = box_at(camera, 20.0)
    out = stage(classes=["person"]).process(packet(0, [box, box], ids=[1, 2], classes=[CAR, PERSON]))
    data = out.detections.data
    assert math.isnan(data[DISTANCE_M][0]) and data[DISTANCE_METHOD][0] == "none"
    assert data[DISTANCE_M][1] == pytest.approx(20.0, rel=0.05)


def test_unknown_class_in_config_is_reported_with_a_suggestion() -> None:
    with pytest.raises(ValueError, match="did you mean 'car'"):
        stage(classes=["cars"]).process(packet(0, [], ids=[]))


def test_missing_camera_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="camera"):
        Distance.Params()


def test_smoothing_is_per_track_and_per_instance() -> None:
    camera = CameraParams(**KITTI_CAMERA).resolve(1242, 376)
    rng = np.random.default_rng(0)
    first, second = stage(smoothing_s=0.5), stage(smoothing_s=0.5)
    errors = []
    for i in range(40):
        noisy = np.array(box_at(camera, 20.0)) + np.array([0, 0, 0, rng.normal(0, 1.5)])
        out = first.process(packet(i, [noisy], ids=[7]))
        if i >= 20:
            errors.append(out.detections.data[DISTANCE_M][0] - 20.0)
    raw = second.process(packet(0, [box_at(camera, 30.0)], ids=[7])).detections.data[DISTANCE_M][0]
    assert np.std(errors) < 0.5
    assert raw == pytest.approx(30.0, rel=0.02)


def test_untracked_and_empty_detections_pass_through() -> None:
    camera = CameraParams(**KITTI_CAMERA).resolve(1242, 376)
    d = stage(smoothing_s=1.0)
    out = d.process(packet(0, [box_at(camera, 12.0)], ids=[-1]))
    assert out.detections.data[DISTANCE_M][0] == pytest.approx(12.0, rel=0.05)
    empty = d.process(packet(1, [], ids=[]))
    assert len(empty.detections.data[DISTANCE_M]) == 0
    assert empty.detections.xyxy.shape == (0, 4)
