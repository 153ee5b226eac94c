"""Raw monocular ranges per box: flat-road contact point first, class height as fallback.

The primary estimate intersects the ray through the box's bottom centre with a flat
road (accurate wherever the contact point is visible). When it is not, e.g. a box cut
by the image's bottom edge, or a contact point at or above the horizon, the range
falls back to similar triangles with the class's typical height. A box cut at the
bottom hides both the contact point and part of the height, so both estimates become
upper bounds; the smaller is reported as `BOUND`, which is shown but never used to fit
speeds or times-to-collision (a bound stays put while the object comes closer).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, field_validator

from detect.analytics.camera import Camera, CameraParams
from detect.analytics.geometry import (
    RangeMethod,
    ground_point,
    height_range,
    touches_edges,
)
from detect.analytics.labels import class_name
from detect.params import StageParams
from detect.types import Packet

CLASS_HEIGHTS_M = {"car": 1.5, "truck": 3.0, "bus": 3.1, "person": 1.7, "bicycle": 1.1, "motorcycle": 1.2}


class RangeParams(StageParams):
    """How raw ranges are measured; shared by every stage that needs ranges."""

    camera: CameraParams | None = Field(None, description="Calibration; ranges are unknown without it")
    class_heights_m: dict[str, float] = Field(
        default_factory=lambda: dict(CLASS_HEIGHTS_M),
        description="Typical real height per class, for the fallback when the road contact is unusable",
    )
    max_range_m: float = Field(150.0, gt=5, description="Ground ranges beyond this are treated as unreliable")
    edge_margin_px: float = Field(
        4.0, ge=0, description="A box within this many pixels of a border is cut by it (detectors stop short of edges)"
    )

    @field_validator("class_heights_m")
    @classmethod
    def _positive_heights(cls, heights: dict[str, float]) -> dict[str, float]:
        bad = [name for name, h in heights.items() if not 0 < h < 20]
        if bad:
            raise ValueError(f"class heights must be in (0, 20) metres; check {', '.join(bad)}")
        return heights


class RangeMeter:
    """Raw per-box ranges for one stream (the camera resolves at the first frame's size)."""

    def __init__(self, params: RangeParams) -> None:
        self.params = params
        self._camera: Camera | None = None

    @property
    def calibrated(self) -> bool:
        return self.params.camera is not None

    def camera(self, width: int, height: int) -> Camera:
        """The camera for this image size, resolved once (hfov and defaults need the size)."""
        if self.params.camera is None:
            raise ValueError("ranges need a camera calibration (camera: {focal_px, cx, cy, height_m, pitch_deg})")
        if self._camera is None or (self._camera.width, self._camera.height) != (width, height):
            self._camera = self.params.camera.resolve(width, height)
        return self._camera

    def measure(self, packet: Packet) -> tuple[np.ndarray, np.ndarray]:
        """(range_m, RangeMethod code) per detection, before any smoothing; unknown if uncalibrated."""
        dets, frame = packet.detections, packet.frame
        n = len(dets)
        if n == 0 or not self.calibrated:
            return np.full(n, np.nan), np.full(n, RangeMethod.NONE, np.int8)
        camera = self.camera(frame.width, frame.height)
        xyxy = dets.xyxy.astype(np.float64)
        cut = touches_edges(xyxy, frame.width, frame.height, self.params.edge_margin_px)
        u = (xyxy[:, 0] + xyxy[:, 2]) / 2
        v = np.minimum(xyxy[:, 3], frame.height - 1)
        _, z_ground = ground_point(camera, u, v)
        heights = np.array(
            [self.params.class_heights_m.get(class_name(packet.labels, int(c)), math.nan) for c in dets.class_id]
        )
        z_height = height_range(camera, xyxy[:, 3] - xyxy[:, 1], heights)

        ground_ok = np.isfinite(z_ground) & ~cut["bottom"] & (z_ground <= self.params.max_range_m)
        height_ok = np.isfinite(z_height) & ~cut["top"] & ~cut["bottom"]
        bound_ok = cut["bottom"] & (np.isfinite(z_ground) | (np.isfinite(z_height) & ~cut["top"]))
        bound = np.fmin(z_ground, np.where(cut["top"], np.nan, z_height))

        rng = np.full(n, np.nan)
        method = np.full(n, RangeMethod.NONE, np.int8)
        for mask, value, code in (
            (height_ok, z_height, RangeMethod.HEIGHT),
            (bound_ok, bound, RangeMethod.BOUND),
            (ground_ok, z_ground, RangeMethod.GROUND),
        ):
            rng = np.where(mask, value, rng)
            method = np.where(mask, np.int8(code), method)
        return rng, method.astype(np.int8)
