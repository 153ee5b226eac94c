"""`distance`: monocular range to each road user, smoothed per track.

Ranges come from `RangeMeter` (flat road, class-height fallback); smoothing is per
track with a time constant so it behaves the same at 10 or 60 fps. Adds columns
`distance_m` (forward range in metres, NaN when unknown) and `distance_method`
(how: `ground` contact, class `height`, an upper `bound`, or `none`).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from detect.analytics.camera import CameraParams
from detect.analytics.geometry import RangeMethod
from detect.analytics.labels import ROAD_USERS, check_classes, class_mask
from detect.analytics.packet_data import track_ids, with_columns
from detect.analytics.ranging import RangeMeter, RangeParams
from detect.columns import DISTANCE_M, DISTANCE_METHOD
from detect.contract import Analytics
from detect.registry import analytics
from detect.types import Packet


@analytics.register("distance")
class Distance(Analytics):
    """Range to each road user from a calibrated camera (flat road, class-height fallback)."""

    class Params(RangeParams):
        camera: CameraParams = Field(description="Calibration: focal_px|hfov_deg, cx, cy, height_m, pitch_deg")
        classes: tuple[str, ...] = Field(ROAD_USERS, description="Classes to range")
        smoothing_s: float = Field(0.3, ge=0, le=5, description="Per-track smoothing time constant (0 = raw)")
        forget_after_s: float = Field(3.0, gt=0, description="A track unseen this long restarts its smoothing")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.meter = RangeMeter(params)
        self._smoothed: dict[int, tuple[float, float]] = {}
        self._checked = False

    def process(self, packet: Packet) -> Packet:
        if not self._checked:
            check_classes(packet.labels, self.params.classes, "distance.classes")
            self._checked = True
        raw, method = self.meter.measure(packet)
        wanted = class_mask(packet.labels, packet.detections.class_id, self.params.classes)
        raw = np.where(wanted, raw, np.nan)
        method = np.where(wanted, method, np.int8(RangeMethod.NONE)).astype(np.int8)
        smoothed = self._smooth(track_ids(packet.detections), raw, packet.frame.pts_s)
        names = np.array([RangeMethod(int(m)).name.lower() for m in method], dtype=object)
        return with_columns(packet, {DISTANCE_M: smoothed, DISTANCE_METHOD: names})

    def _smooth(self, ids: np.ndarray, raw: np.ndarray, t: float) -> np.ndarray:
        """Exponential smoothing with a time constant, so the result does not depend on fps."""
        out = raw.astype(np.float64).copy()
        tau = self.params.smoothing_s
        for i, tid in enumerate(int(x) for x in ids):
            if tid < 0 or not math.isfinite(raw[i]):
                continue
            prev = self._smoothed.get(tid)
            if prev is not None and tau > 0 and 0 < t - prev[0] <= self.params.forget_after_s:
                alpha = 1.0 - math.exp(-(t - prev[0]) / tau)
                out[i] = prev[1] + alpha * (raw[i] - prev[1])
            self._smoothed[tid] = (t, float(out[i]))
        horizon = t - self.params.forget_after_s
        self._smoothed = {tid: s for tid, s in self._smoothed.items() if horizon <= s[0] <= t}
        return out
