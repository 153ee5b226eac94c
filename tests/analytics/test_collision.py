"""`collision`: TTC of boxes approaching at known speeds, lanes, warnings and the lead."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from detect.analytics.collision import Collision
from detect.analytics.geometry import points_in_polygon, project_ground
from detect.columns import (
    CLASS_NAME,
    COLLISION_WARNING,
    DISTANCE_M,
    IN_LANE,
    IS_LEAD,
    LEAD_VEHICLE,
    LEVEL,
    POLYGON,
    TRACK_ID,
    TTC_S,
    WARNING_LEVEL,
    ZONE,
    ZONE_CONFIG,
)
from detect.types import NO_TRACK

from .synth import KITTI, box_at, events_of, kitti_camera, packet

KITTI_CAMERA = KITTI.model_dump(exclude_none=True)
STRAIGHT_LANE = [(450, 375), (770, 375), (640, 180), (580, 180)]


def approach(stage: Collision, z0: float, speed: float, frames: int, x_m: float = 0.0, noise_px: float = 0.0):
    """Feed a car closing at `speed` m/s from `z0`; yields (packet, true TTC)."""
    camera = kitti_camera()
    rng = np.random.default_rng(1)
    for i in range(frames):
        z = z0 - speed * i / 10
        box = np.array(box_at(camera, z, x_m)) + rng.normal(0, noise_px, 4)
        yield stage.process(packet(i, [box], ids=[4])), z / speed


@pytest.mark.parametrize(("noise_px", "up_to_s", "expected"), [(0.0, 10.0, 25), (0.5, 2.5, 16)])
@pytest.mark.parametrize("calibrated", [True, False])
def test_ttc_of_an_approaching_car_within_10_percent(
    calibrated: bool, noise_px: float, up_to_s: float, expected: int
) -> None:
    """Exact boxes: every frame once the 1 s window is full. Jittered boxes: in the warning range."""
    params = {"camera": KITTI_CAMERA} if calibrated else {"lane": STRAIGHT_LANE}
    stage = Collision(Collision.Params(**params))
    checked = 0
    for i, (out, true_ttc) in enumerate(approach(stage, z0=35.0, speed=8.0, frames=35, noise_px=noise_px)):
        ttc = out.detections.data[TTC_S][0]
        if i >= 10 and true_ttc <= up_to_s:
            assert abs(ttc - true_ttc) / true_ttc < 0.10, (i, ttc, true_ttc)
            checked += 1
    assert checked == expected


def test_no_ttc_for_a_car_keeping_its_distance() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA))
    for out, _ in approach(stage, z0=20.0, speed=0.0 + 1e-9, frames=15, noise_px=0.3):
        assert math.isnan(out.detections.data[TTC_S][0]) or out.detections.data[TTC_S][0] > 10
        assert out.detections.data[WARNING_LEVEL][0] == 0


def test_warnings_rise_once_per_level_in_lane_only() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA))
    packets = [out for out, _ in approach(stage, z0=30.0, speed=10.0, frames=28)]
    warnings = events_of(packets, COLLISION_WARNING)
    assert [w.payload[LEVEL] for w in warnings] == ["caution", "danger"]
    assert warnings[0].track == 4 and warnings[0].payload[CLASS_NAME] == "car"
    assert 1.2 <= warnings[0].payload[TTC_S] < 2.5 and warnings[1].payload[TTC_S] < 1.2
    assert warnings[0].payload[DISTANCE_M] == pytest.approx(10 * warnings[0].payload[TTC_S], rel=0.15)
    assert packets[-1].detections.data[WARNING_LEVEL][0] == 2

    beside = Collision(Collision.Params(camera=KITTI_CAMERA))
    packets = [out for out, _ in approach(beside, z0=30.0, speed=10.0, frames=22, x_m=4.5)]
    assert not events_of(packets, COLLISION_WARNING)
    assert not packets[-1].detections.data[IN_LANE][0]
    assert packets[-1].detections.data[TTC_S][0] < 1.2


def test_thresholds_are_configurable() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA, caution_s=4.0, danger_s=3.0))
    packets = [out for out, _ in approach(stage, z0=50.0, speed=10.0, frames=25)]
    warnings = events_of(packets, COLLISION_WARNING)
    assert [w.payload[LEVEL] for w in warnings] == ["caution", "danger"]
    assert 3.0 <= warnings[0].payload[TTC_S] < 4.0


def test_lead_is_the_nearest_tracked_road_user_in_the_lane() -> None:
    camera = kitti_camera()
    stage = Collision(Collision.Params(camera=KITTI_CAMERA, confirm_frames=2))
    boxes = [box_at(camera, 30.0), box_at(camera, 15.0), box_at(camera, 8.0, x=4.0), box_at(camera, 10.0)]
    outs = [stage.process(packet(i, boxes, ids=[1, 2, 3, -1])) for i in range(3)]
    data = outs[-1].detections.data
    assert data[IN_LANE].tolist() == [True, True, False, True]
    assert data[IS_LEAD].tolist() == [False, True, False, False]
    leads = events_of(outs, LEAD_VEHICLE)
    assert len(leads) == 1 and leads[0].track == 2 and leads[0].frame == 1
    assert leads[0].payload[DISTANCE_M] == pytest.approx(15.0, rel=0.05)


def test_a_lead_that_leaves_is_logged_as_no_track() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA, confirm_frames=1))
    outs = [stage.process(packet(0, [box_at(kitti_camera(), 15.0)], ids=[1])), stage.process(packet(1, [], ids=[]))]
    gone = events_of(outs, LEAD_VEHICLE)[-1]
    assert gone.frame == 1 and gone.track == NO_TRACK
    assert gone.to_record() == {"event": LEAD_VEHICLE, "frame": 1, "pts": 0.1, TRACK_ID: None, CLASS_NAME: None,
                                DISTANCE_M: None}


def test_default_ego_lane_is_announced_once_and_follows_the_calibration() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA))
    outs = [stage.process(packet(i, [])) for i in range(3)]
    configs = events_of(outs, ZONE_CONFIG)
    assert len(configs) == 1 and configs[0].payload[ZONE] == "ego_lane" and len(configs[0].payload[POLYGON]) == 4
    lane = np.array(configs[0].payload[POLYGON])
    camera = kitti_camera()
    ahead = np.stack(project_ground(camera, np.array([0.0, 1.0, 2.5, 0.0]), np.array([20.0, 20.0, 20.0, 80.0])), 1)
    assert points_in_polygon(ahead, lane).tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "needs a camera .* or a lane polygon"),
        ({"lane": STRAIGHT_LANE, "danger_s": 3.0}, r"danger_s \(3.0\) must be below caution_s \(2.5\)"),
        ({"lane": [(0, 0), (1, 1)]}, "at least 3 items"),
    ],
)
def test_invalid_params_are_explained(values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Collision.Params(**values)


def test_two_instances_do_not_share_tracks() -> None:
    first = Collision(Collision.Params(camera=KITTI_CAMERA))
    second = Collision(Collision.Params(camera=KITTI_CAMERA))
    list(approach(first, z0=30.0, speed=10.0, frames=12))
    out = second.process(packet(0, [box_at(kitti_camera(), 18.0)], ids=[4]))
    assert math.isnan(out.detections.data[TTC_S][0])


def test_boxes_and_ids_are_untouched() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA))
    original = packet(0, [box_at(kitti_camera(), 18.0)], ids=[4])
    out = stage.process(original)
    np.testing.assert_array_equal(out.detections.xyxy, original.detections.xyxy)
    np.testing.assert_array_equal(out.detections.tracker_id, original.detections.tracker_id)
    assert original.detections.data == {}
