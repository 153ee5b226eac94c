"""Image <-> road geometry for a pinhole camera over a flat road, vectorised over boxes.

Coordinates: image u right, v down; road X right, Z forward (metres from the camera's
foot along the road). Pure functions, no state, so every stage and test can share them.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from detect.analytics.camera import Camera

MIN_DEPRESSION_RAD = 1e-3


class RangeMethod(IntEnum):
    """How a range was obtained; stored per detection as `distance_method`, by its lower-case
    name (`ground`, `height`, `bound`, `none`), so outputs read without a code table.

    GROUND: flat-road contact point. HEIGHT: class height, box wholly visible. BOUND: box
    cut by the image bottom, so the true range is at most this.
    """

    NONE = -1
    GROUND = 0
    HEIGHT = 1
    BOUND = 2


def ground_point(camera: Camera, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Road position (X, Z) of image points assumed to lie on the road; NaN above the horizon."""
    x = (np.asarray(u, np.float64) - camera.cx) / camera.focal_px
    y = (np.asarray(v, np.float64) - camera.cy) / camera.focal_px
    cos_p, sin_p = np.cos(camera.pitch_rad), np.sin(camera.pitch_rad)
    down = y * cos_p + sin_p
    valid = down > MIN_DEPRESSION_RAD
    scale = np.where(valid, camera.height_m / np.where(valid, down, 1.0), np.nan)
    return scale * x, scale * (cos_p - y * sin_p)


def project_ground(camera: Camera, x_m: np.ndarray, z_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image position (u, v) of road points; the inverse of `ground_point`."""
    x_m = np.asarray(x_m, np.float64)
    z_m = np.asarray(z_m, np.float64)
    cos_p, sin_p = np.cos(camera.pitch_rad), np.sin(camera.pitch_rad)
    yc = camera.height_m * cos_p - z_m * sin_p
    zc = camera.height_m * sin_p + z_m * cos_p
    return camera.cx + camera.focal_px * x_m / zc, camera.cy + camera.focal_px * yc / zc


def height_range(camera: Camera, pixel_height: np.ndarray, real_height_m: np.ndarray) -> np.ndarray:
    """Range from an object's known real height and its box height (similar triangles)."""
    pixel_height = np.asarray(pixel_height, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pixel_height > 0, camera.focal_px * real_height_m / pixel_height, np.nan)


def touches_edges(xyxy: np.ndarray, width: int, height: int, margin_px: float) -> dict[str, np.ndarray]:
    """Which boxes are cut by each image border (their true extent is unknown there)."""
    return {
        "left": xyxy[:, 0] <= margin_px,
        "top": xyxy[:, 1] <= margin_px,
        "right": xyxy[:, 2] >= width - 1 - margin_px,
        "bottom": xyxy[:, 3] >= height - 1 - margin_px,
    }


def anchor_points(xyxy: np.ndarray, anchor: str) -> np.ndarray:
    """The point of each box that represents its position: bottom centre touches the road."""
    cx = (xyxy[:, 0] + xyxy[:, 2]) / 2
    cy = xyxy[:, 3] if anchor == "bottom_center" else (xyxy[:, 1] + xyxy[:, 3]) / 2
    return np.stack([cx, cy], axis=1).astype(np.float64)


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, vectorised over points; points on an edge may fall either way."""
    px, py = points[:, 0][:, None], points[:, 1][:, None]
    x0, y0 = polygon[:, 0][None, :], polygon[:, 1][None, :]
    x1, y1 = np.roll(polygon[:, 0], -1)[None, :], np.roll(polygon[:, 1], -1)[None, :]
    straddles = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    hits = straddles & (px < x_cross)
    return (np.count_nonzero(hits, axis=1) % 2) == 1


def side_of_line(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """+1 right of start->end as seen on screen (y down), -1 left, 0 on the line."""
    d = end - start
    cross = d[0] * (points[:, 1] - start[1]) - d[1] * (points[:, 0] - start[0])
    return np.sign(cross).astype(np.int8)


def crosses_segment(p0: np.ndarray, p1: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether the move p0 -> p1 passes through the segment start-end (not just its line)."""
    d = end - start
    m = p1 - p0
    denom = m[0] * d[1] - m[1] * d[0]
    if denom == 0:
        return False
    offset = start - p0
    along_move = (offset[0] * d[1] - offset[1] * d[0]) / denom
    along_line = (offset[0] * m[1] - offset[1] * m[0]) / denom
    return bool(0.0 <= along_move <= 1.0 and 0.0 <= along_line <= 1.0)
