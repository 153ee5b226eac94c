"""`speed`: relative speed of each track from how its range changes.

The slope of a straight line fitted to the raw ranges over a short window (not to the
smoothed `distance_m`, whose smoothing would delay it). Ranges measured by different
methods are never mixed in one fit: a switch from road contact to class height is a
jump in range, not a movement.

Adds `rel_speed_mps` (range rate: negative = closing in, NaN when unknown) and, when
the ego speed is given, `speed_mps`: the object's own speed along the road, assuming
it travels in the same direction as the ego vehicle.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from detect.analytics.camera import CameraParams
from detect.analytics.geometry import RangeMethod
from detect.analytics.kinematics import fit_line
from detect.analytics.labels import ROAD_USERS, check_classes, class_mask
from detect.analytics.packet_data import track_ids, with_columns
from detect.analytics.ranging import RangeMeter, RangeParams
from detect.analytics.track_history import TrackSeries
from detect.columns import REL_SPEED_MPS, SPEED_MPS
from detect.contract import Analytics
from detect.registry import analytics
from detect.types import Packet


@analytics.register("speed")
class Speed(Analytics):
    """Relative speed of each tracked road user from its range rate (optional ego speed)."""

    class Params(RangeParams):
        camera: CameraParams = Field(description="Calibration: focal_px|hfov_deg, cx, cy, height_m, pitch_deg")
        classes: tuple[str, ...] = Field(ROAD_USERS, description="Classes to measure")
        window_s: float = Field(1.0, gt=0.1, le=10, description="Fit the range over this much recent time")
        min_samples: int = Field(5, ge=3, description="Fewer range samples in the window give no speed")
        ego_speed_kmh: float | None = Field(None, ge=0, le=300, description="Own speed, to report absolute speeds")
        forget_after_s: float = Field(3.0, gt=0, description="Forget a track unseen this long")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.meter = RangeMeter(params)
        self.ranges = TrackSeries(params.window_s, params.forget_after_s)
        self._checked = False

    def process(self, packet: Packet) -> Packet:
        if not self._checked:
            check_classes(packet.labels, self.params.classes, "speed.classes")
            self._checked = True
        t = packet.frame.pts_s
        ids = track_ids(packet.detections)
        wanted = class_mask(packet.labels, packet.detections.class_id, self.params.classes)
        rng, method = self.meter.measure(packet)
        rel = np.full(len(ids), np.nan)
        for i, tid in enumerate(int(x) for x in ids):
            if tid < 0 or not wanted[i]:
                continue
            if method[i] in (RangeMethod.GROUND, RangeMethod.HEIGHT) and math.isfinite(rng[i]):
                self.ranges.add(tid, t, rng[i], tag=int(method[i]))
            fit = fit_line(*self.ranges.window(tid, t), t_now=t, min_samples=self.params.min_samples)
            if fit is not None:
                rel[i] = fit[1]
        self.ranges.forget_stale(t)
        columns = {REL_SPEED_MPS: rel}
        if self.params.ego_speed_kmh is not None:
            columns[SPEED_MPS] = self.params.ego_speed_kmh / 3.6 + rel
        return with_columns(packet, columns)
