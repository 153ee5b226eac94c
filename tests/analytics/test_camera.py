"""Calibration: alternatives resolve to the same camera, and mistakes read clearly."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from detect.analytics.camera import (
    CameraParams,
    focal_from_hfov,
    focal_from_lane_width,
    height_from_lane_width,
    pitch_from_horizon,
)

from .synth import project


def test_focal_from_hfov_known_answer() -> None:
    assert focal_from_hfov(1000, 90.0) == pytest.approx(500.0)


def test_hfov_resolves_at_image_width_and_centres_principal_point() -> None:
    camera = CameraParams(hfov_deg=90.0, height_m=1.2).resolve(1280, 720)
    assert camera.focal_px == pytest.approx(640.0)
    assert (camera.cx, camera.cy) == (640.0, 360.0)
    assert camera.horizon_row == pytest.approx(360.0)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"height_m": 1.5}, "camera needs the focal length: give focal_px or hfov_deg"),
        ({"focal_px": 700, "hfov_deg": 60, "height_m": 1.5}, "give focal_px or hfov_deg, not both"),
        ({"focal_px": 700}, "camera needs the mounting height: give height_m or lane_width"),
        ({"focal_px": 700, "height_m": 1.5, "pitch_deg": 1, "horizon_px": 170}, "give pitch_deg or horizon_px"),
        ({"focal_px": -1, "height_m": 1.5}, "greater than 0"),
        ({"focal_px": 700, "height_m": 1.5, "fov": 60}, "Extra inputs"),
    ],
)
def test_invalid_calibration_is_explained(values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CameraParams(**values)


def test_principal_point_outside_the_image_is_refused() -> None:
    with pytest.raises(ValueError, match=r"camera.cy=500 lies outside the 376-px-high image"):
        CameraParams(focal_px=721, cx=609, cy=500, height_m=1.65).resolve(1242, 376)


@pytest.mark.parametrize("pitch_deg", [-2.0, 0.0, 3.0])
def test_pitch_from_horizon_inverts_the_horizon_row(pitch_deg: float) -> None:
    camera = CameraParams(focal_px=721, cy=172, height_m=1.65, pitch_deg=pitch_deg).resolve(1242, 376)
    assert math.degrees(pitch_from_horizon(camera.horizon_row, 172, 721)) == pytest.approx(pitch_deg)
    again = CameraParams(focal_px=721, cy=172, height_m=1.65, horizon_px=camera.horizon_row).resolve(1242, 376)
    assert again.pitch_rad == pytest.approx(camera.pitch_rad)


def test_focal_from_lane_width_at_known_distance() -> None:
    width_px = 721 * 3.5 / 20
    assert focal_from_lane_width(width_px, distance_m=20) == pytest.approx(721)


@pytest.mark.parametrize("pitch_deg", [0.0, 2.5])
def test_height_from_lane_width_recovers_mounting_height(pitch_deg: float) -> None:
    camera = CameraParams(focal_px=721, cx=609, cy=172, height_m=1.65, pitch_deg=pitch_deg).resolve(1242, 376)
    left, row = project(camera, -1.75, 0.0, 15.0)
    right, _ = project(camera, 1.75, 0.0, 15.0)
    height = height_from_lane_width(right - left, row, 721, 172, camera.pitch_rad)
    assert height == pytest.approx(1.65, rel=1e-6)
    derived = CameraParams(
        focal_px=721, cx=609, cy=172, pitch_deg=pitch_deg, lane_width={"width_px": right - left, "row_px": row}
    ).resolve(1242, 376)
    assert derived.height_m == pytest.approx(1.65, rel=1e-6)


def test_lane_measured_above_the_horizon_is_refused() -> None:
    params = CameraParams(focal_px=721, cy=172, lane_width={"width_px": 100, "row_px": 150})
    with pytest.raises(ValueError, match="at or above the horizon"):
        params.resolve(1242, 376)
