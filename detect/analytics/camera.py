"""Camera calibration: what the user writes in YAML, and the resolved pinhole camera.

Monocular range needs four numbers: focal length, principal point, mounting height and
pitch. Users rarely know all of them, so each has a practical alternative (horizontal
field of view for the focal length, a horizon row for the pitch, a lane of known width
for the height). `CameraParams` accepts either form and validates it; `resolve()` turns
it into a `Camera` once the image size is known (at the first frame).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import Field, model_validator

from detect.params import StageParams

STANDARD_LANE_WIDTH_M = 3.5


class LaneWidthCalibration(StageParams):
    """A lane of known width measured in one frame: derives the camera's mounting height."""

    width_px: float = Field(gt=0, description="Width of the ego lane in pixels, measured along one image row")
    row_px: float = Field(ge=0, description="The image row (y, pixels) where width_px was measured")
    width_m: float = Field(STANDARD_LANE_WIDTH_M, gt=1.0, le=6.0, description="Real lane width in metres")


class CameraParams(StageParams):
    """Pinhole calibration of a forward-looking camera over a flat road.

    Give `focal_px` or `hfov_deg`; `pitch_deg` or `horizon_px`; `height_m` or `lane_width`.
    The principal point defaults to the image centre.
    """

    focal_px: float | None = Field(None, gt=0, description="Focal length in pixels (KITTI: ~721)")
    hfov_deg: float | None = Field(
        None, gt=1, lt=179, description="Horizontal field of view; focal derived from the image width"
    )
    cx: float | None = Field(None, description="Principal point x in pixels (default: image centre)")
    cy: float | None = Field(None, description="Principal point y in pixels (default: image centre)")
    height_m: float | None = Field(None, gt=0.2, le=5.0, description="Camera height above the road in metres")
    lane_width: LaneWidthCalibration | None = Field(None, description="Alternative to height_m: a lane of known width")
    pitch_deg: float | None = Field(
        None, ge=-30, le=30, description="Downward tilt in degrees (positive looks at the road)"
    )
    horizon_px: float | None = Field(None, description="Alternative to pitch_deg: the image row of the horizon")

    @model_validator(mode="after")
    def _one_of_each(self) -> CameraParams:
        _exactly_one(self.focal_px, self.hfov_deg, "focal_px", "hfov_deg", "the focal length")
        _exactly_one(self.height_m, self.lane_width, "height_m", "lane_width", "the mounting height")
        if self.pitch_deg is not None and self.horizon_px is not None:
            raise ValueError("give pitch_deg or horizon_px, not both (both set the pitch)")
        return self

    def resolve(self, width: int, height: int) -> Camera:
        """The concrete camera for an image size; raises ValueError naming the bad field."""
        focal = self.focal_px if self.focal_px is not None else focal_from_hfov(width, self.hfov_deg or 0.0)
        cx = width / 2 if self.cx is None else self.cx
        cy = height / 2 if self.cy is None else self.cy
        if not 0 <= cx <= width:
            raise ValueError(f"camera.cx={cx:g} lies outside the {width}-px-wide image")
        if not 0 <= cy <= height:
            raise ValueError(f"camera.cy={cy:g} lies outside the {height}-px-high image")
        pitch = math.radians(self.pitch_deg or 0.0)
        if self.horizon_px is not None:
            pitch = pitch_from_horizon(self.horizon_px, cy, focal)
            if abs(math.degrees(pitch)) > 30:
                raise ValueError(f"camera.horizon_px={self.horizon_px:g} implies a pitch beyond ±30°; check the row")
        mount = self.height_m
        if mount is None:
            lane = self.lane_width
            assert lane is not None
            mount = height_from_lane_width(lane.width_px, lane.row_px, focal, cy, pitch, lane.width_m)
        return Camera(focal_px=focal, cx=cx, cy=cy, height_m=mount, pitch_rad=pitch, width=width, height=height)


@dataclass(frozen=True)
class Camera:
    """A resolved pinhole camera: y points down the image, positive pitch looks down."""

    focal_px: float
    cx: float
    cy: float
    height_m: float
    pitch_rad: float
    width: int
    height: int

    @property
    def horizon_row(self) -> float:
        """Image row where the flat road meets the sky; ground contact must lie below it."""
        return self.cy - self.focal_px * math.tan(self.pitch_rad)


def focal_from_hfov(width: int, hfov_deg: float) -> float:
    """Focal length in pixels from the horizontal field of view and image width."""
    return (width / 2) / math.tan(math.radians(hfov_deg) / 2)


def focal_from_lane_width(
    lane_width_px: float, distance_m: float, lane_width_m: float = STANDARD_LANE_WIDTH_M
) -> float:
    """Focal length from a lane of known width seen at a known distance.

    A flat road alone cannot fix the focal length (a wider lens closer to the road looks
    the same), so one metric distance along the road is needed: a stop line, a marked
    post, or dashes of known spacing.
    """
    if lane_width_px <= 0 or distance_m <= 0 or lane_width_m <= 0:
        raise ValueError("lane width (px and m) and distance must be positive")
    return lane_width_px * distance_m / lane_width_m


def height_from_lane_width(
    lane_width_px: float,
    row_px: float,
    focal_px: float,
    cy: float,
    pitch_rad: float = 0.0,
    lane_width_m: float = STANDARD_LANE_WIDTH_M,
) -> float:
    """Camera height from a lane of known width measured on one image row.

    On a flat road the lane's pixel width grows linearly with the row's distance below
    the horizon, at a rate set by height: W_px = W_m * (v - v_horizon) / h (pitch 0).
    """
    y = (row_px - cy) / focal_px
    below = y * math.cos(pitch_rad) + math.sin(pitch_rad)
    if below <= 0:
        raise ValueError(
            f"lane_width.row_px={row_px:g} is at or above the horizon; measure the lane lower in the image"
        )
    return focal_px * lane_width_m / lane_width_px * below


def pitch_from_horizon(horizon_row_px: float, cy: float, focal_px: float) -> float:
    """Camera pitch (radians, positive = looking down) from the row of the horizon."""
    return math.atan((cy - horizon_row_px) / focal_px)


def _exactly_one(a: object, b: object, name_a: str, name_b: str, what: str) -> None:
    if a is None and b is None:
        raise ValueError(f"camera needs {what}: give {name_a} or {name_b}")
    if a is not None and b is not None:
        raise ValueError(f"give {name_a} or {name_b}, not both (both set {what})")
