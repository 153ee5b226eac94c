"""Flat-road geometry and the polygon/line tests used for lanes, zones and lines."""

from __future__ import annotations

import numpy as np
import pytest

from detect.analytics.camera import CameraParams
from detect.analytics.geometry import (
    crosses_segment,
    ground_point,
    points_in_polygon,
    project_ground,
    side_of_line,
)

from .synth import project


@pytest.mark.parametrize("pitch_deg", [-1.0, 0.0, 2.0])
def test_ground_point_inverts_projection(pitch_deg: float) -> None:
    camera = CameraParams(focal_px=721, cx=609, cy=172, height_m=1.65, pitch_deg=pitch_deg).resolve(1242, 376)
    xs, zs = np.array([-3.0, 0.0, 2.5, 1.0]), np.array([6.0, 12.0, 25.0, 60.0])
    uv = np.array([project(camera, x, 0.0, z) for x, z in zip(xs, zs)])
    x, z = ground_point(camera, uv[:, 0], uv[:, 1])
    np.testing.assert_allclose(x, xs, rtol=1e-9)
    np.testing.assert_allclose(z, zs, rtol=1e-9)
    u, v = project_ground(camera, xs, zs)
    np.testing.assert_allclose(np.stack([u, v], axis=1), uv, rtol=1e-9)


def test_points_at_or_above_the_horizon_have_no_ground_range() -> None:
    camera = CameraParams(focal_px=721, cx=609, cy=172, height_m=1.65).resolve(1242, 376)
    _, z = ground_point(camera, np.array([600.0, 600.0]), np.array([172.0, 100.0]))
    assert np.isnan(z).all()


def test_points_in_polygon() -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float64)
    points = np.array([[5, 5], [15, 5], [-1, 5], [5, 11], [9.9, 0.1]], np.float64)
    assert points_in_polygon(points, square).tolist() == [True, False, False, False, True]
    assert points_in_polygon(np.zeros((0, 2)), square).shape == (0,)


def test_side_of_line_right_is_below_a_rightward_line_on_screen() -> None:
    start, end = np.array([0.0, 0.0]), np.array([10.0, 0.0])
    sides = side_of_line(np.array([[5.0, 3.0], [5.0, -3.0], [5.0, 0.0]]), start, end)
    assert sides.tolist() == [1, -1, 0]


@pytest.mark.parametrize(
    ("p0", "p1", "expected"),
    [((5, -2), (5, 2), True), ((12, -2), (12, 2), False), ((5, -2), (5, -1), False), ((0, -1), (0, 1), True)],
)
def test_crosses_segment_only_through_the_segment(p0: tuple, p1: tuple, expected: bool) -> None:
    start, end = np.array([0.0, 0.0]), np.array([10.0, 0.0])
    assert crosses_segment(np.array(p0, float), np.array(p1, float), start, end) is expected
