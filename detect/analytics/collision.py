"""`collision`: forward-collision warning for road users in the ego lane.

Time-to-collision comes from two independent cues, each a straight-line fit over a
short window (see kinematics): the inverse box scale, which needs no calibration, and
the range, when a camera calibration is given. Their closing rates are averaged. A
warning level must hold for `confirm_frames` before it shows or is logged, so a single
noisy frame never raises an alarm.

Adds columns `in_lane`, `is_lead`, `ttc_s` (NaN = not closing within `max_ttc_s` or
unknown) and `warning_level` (0 none, 1 caution, 2 danger). Events: `zone_config`
(the ego lane, once), `collision_warning` (a track's level rises) and `lead_vehicle`
(the nearest in-lane road user changes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from detect.analytics.debounce import Debounced
from detect.analytics.events import make_event
from detect.analytics.geometry import (
    RangeMethod,
    anchor_points,
    points_in_polygon,
    touches_edges,
)
from detect.analytics.kinematics import fuse_ttc, time_to_zero
from detect.analytics.labels import ROAD_USERS, check_classes, class_mask, class_name
from detect.analytics.lane import default_ego_lane
from detect.analytics.packet_data import track_ids, with_columns
from detect.analytics.ranging import RangeMeter, RangeParams
from detect.analytics.track_history import TrackSeries
from detect.columns import (
    CLASS_NAME,
    COLLISION_WARNING,
    DISTANCE_M,
    EGO_LANE,
    IN_LANE,
    IS_LEAD,
    KIND,
    LEAD_VEHICLE,
    LEVEL,
    POLYGON,
    TTC_S,
    WARNING_LEVEL,
    ZONE,
    ZONE_CONFIG,
)
from detect.contract import Analytics
from detect.registry import analytics
from detect.types import NO_TRACK, Event, Packet

LEVEL_NAMES = ("none", "caution", "danger")
ANCHOR_INSET_PX = 2.0


@analytics.register("collision")
class Collision(Analytics):
    """Forward-collision warning: ego lane, time-to-collision, warning levels, lead vehicle."""

    class Params(RangeParams):
        lane: list[tuple[float, float]] | None = Field(
            None, min_length=3, description="Ego-lane polygon in pixels (default: a trapezoid from the camera)"
        )
        lane_width_m: float = Field(3.5, gt=1, le=10, description="Width of the default ego lane")
        lane_length_m: float = Field(60.0, gt=5, le=300, description="How far ahead the default ego lane reaches")
        classes: tuple[str, ...] = Field(ROAD_USERS, description="Road users that can collide")
        caution_s: float = Field(2.5, gt=0, description="Warn 'caution' below this time-to-collision")
        danger_s: float = Field(1.2, gt=0, description="Warn 'danger' below this time-to-collision")
        max_ttc_s: float = Field(10.0, gt=0, description="Report no TTC above this (not a threat)")
        window_s: float = Field(1.0, gt=0.1, le=5, description="Fit scale and range over this much recent time")
        min_samples: int = Field(5, ge=3, description="Fewer samples in the window give no TTC")
        confirm_frames: int = Field(2, ge=1, description="Frames a new warning level or lead must hold")
        forget_after_s: float = Field(3.0, gt=0, description="Forget a track unseen this long")

        @model_validator(mode="after")
        def _consistent(self) -> Any:
            if self.camera is None and self.lane is None:
                raise ValueError("collision needs a camera (to derive the ego lane) or a lane polygon")
            if self.danger_s >= self.caution_s:
                raise ValueError(f"danger_s ({self.danger_s}) must be below caution_s ({self.caution_s})")
            if self.max_ttc_s < self.caution_s:
                raise ValueError(f"max_ttc_s ({self.max_ttc_s}) must be at least caution_s ({self.caution_s})")
            return self

    def __init__(self, params: Params) -> None:
        self.params = params
        self.meter = RangeMeter(params)
        self.scales = TrackSeries(params.window_s, params.forget_after_s)
        self.ranges = TrackSeries(params.window_s, params.forget_after_s)
        self.lane: np.ndarray | None = None
        self._levels: dict[int, tuple[Debounced[int], float]] = {}
        self._lead: Debounced[int] = Debounced(NO_TRACK, params.confirm_frames)

    def process(self, packet: Packet) -> Packet:
        events: list[Event] = []
        if self.lane is None:
            events.append(self._start(packet))
        assert self.lane is not None
        dets, t = packet.detections, packet.frame.pts_s
        ids = track_ids(dets)
        wanted = class_mask(packet.labels, dets.class_id, self.params.classes)
        anchors = anchor_points(dets.xyxy, "bottom_center")
        anchors[:, 1] = np.minimum(anchors[:, 1], packet.frame.height - ANCHOR_INSET_PX)
        in_lane = wanted & points_in_polygon(anchors, self.lane)
        ttc = self._ttc(packet, ids, wanted)
        level = self._levels_for(packet, ids, in_lane, ttc, events)
        is_lead = self._lead_for(packet, ids, in_lane, events)
        self._forget(t)
        columns = {IN_LANE: in_lane, IS_LEAD: is_lead, TTC_S: ttc, WARNING_LEVEL: level}
        return with_columns(packet, columns, events)

    def _start(self, packet: Packet) -> Event:
        """Resolve the ego lane at the first frame and announce it for annotators and logs."""
        check_classes(packet.labels, self.params.classes, "collision.classes")
        if self.params.lane is not None:
            self.lane = np.array(self.params.lane, np.float64)
        else:
            camera = self.meter.camera(packet.frame.width, packet.frame.height)
            self.lane = default_ego_lane(camera, self.params.lane_width_m, self.params.lane_length_m)
        return make_event(ZONE_CONFIG, packet, {ZONE: EGO_LANE, KIND: EGO_LANE, POLYGON: self.lane})

    def _ttc(self, packet: Packet, ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Fused time-to-collision per tracked road user from its scale and range windows."""
        t = packet.frame.pts_s
        inverse_scale, scale_tag = _inverse_scale(packet, self.params.edge_margin_px)
        rng, method = self.meter.measure(packet)
        ttc = np.full(len(ids), np.nan)
        for i, tid in enumerate(int(x) for x in ids):
            if tid < 0 or not wanted[i]:
                continue
            if math.isfinite(inverse_scale[i]):
                self.scales.add(tid, t, inverse_scale[i], tag=int(scale_tag[i]))
            if method[i] in (RangeMethod.GROUND, RangeMethod.HEIGHT) and math.isfinite(rng[i]):
                self.ranges.add(tid, t, rng[i], tag=int(method[i]))
            estimates = [
                e
                for series in (self.scales, self.ranges)
                if (e := time_to_zero(*series.window(tid, t), t_now=t, min_samples=self.params.min_samples)) is not None
            ]
            fused = fuse_ttc(estimates)
            if fused <= self.params.max_ttc_s:
                ttc[i] = fused
        return ttc

    def _levels_for(
        self, packet: Packet, ids: np.ndarray, in_lane: np.ndarray, ttc: np.ndarray, events: list[Event]
    ) -> np.ndarray:
        """Debounced warning level per detection; logs a warning when a track's level rises."""
        t = packet.frame.pts_s
        raw = np.where(ttc < self.params.danger_s, 2, np.where(ttc < self.params.caution_s, 1, 0))
        raw = np.where(in_lane, raw, 0)
        level = np.zeros(len(ids), np.int8)
        for i, tid in enumerate(int(x) for x in ids):
            if tid < 0:
                continue
            debounced = self._levels.get(tid, (Debounced(0, self.params.confirm_frames), t))[0]
            before = debounced.value
            if debounced.update(int(raw[i])) and debounced.value > before:
                events.append(
                    make_event(
                        COLLISION_WARNING,
                        packet,
                        {
                            CLASS_NAME: class_name(packet.labels, int(packet.detections.class_id[i])),
                            LEVEL: LEVEL_NAMES[debounced.value],
                            TTC_S: ttc[i],
                            DISTANCE_M: self._distance(packet, i),
                        },
                        track=tid,
                    )
                )
            self._levels[tid] = (debounced, t)
            level[i] = debounced.value
        return level

    def _lead_for(
        self, packet: Packet, ids: np.ndarray, in_lane: np.ndarray, events: list[Event]
    ) -> np.ndarray:
        """The nearest tracked in-lane road user (lowest box bottom = closest on a flat road)."""
        is_lead = np.zeros(len(ids), bool)
        candidates = np.flatnonzero(in_lane & (ids >= 0))
        lead_index = int(candidates[np.argmax(packet.detections.xyxy[candidates, 3])]) if len(candidates) else -1
        if lead_index >= 0:
            is_lead[lead_index] = True
        observed = int(ids[lead_index]) if lead_index >= 0 else NO_TRACK
        if self._lead.update(observed):
            fields: dict[str, Any] = {CLASS_NAME: None, DISTANCE_M: None}
            if lead_index >= 0:
                cid = int(packet.detections.class_id[lead_index])
                fields = {CLASS_NAME: class_name(packet.labels, cid), DISTANCE_M: self._distance(packet, lead_index)}
            events.append(make_event(LEAD_VEHICLE, packet, fields, track=observed))
        return is_lead

    def _distance(self, packet: Packet, index: int) -> float:
        """The smoothed range from a `distance` stage if one ran, else this stage's raw range."""
        column = packet.detections.data.get(DISTANCE_M)
        if column is not None:
            return float(column[index])
        rng, _ = self.meter.measure(packet)
        return float(rng[index])

    def _forget(self, now: float) -> None:
        self.scales.forget_stale(now)
        self.ranges.forget_stale(now)
        horizon = now - self.params.forget_after_s
        self._levels = {tid: entry for tid, entry in self._levels.items() if horizon <= entry[1] <= now}


def _inverse_scale(packet: Packet, margin_px: float) -> tuple[np.ndarray, np.ndarray]:
    """1 / box size per detection and which size it is (0 width, 1 height); NaN if cut both ways.

    Width is preferred: a close vehicle's box is cut at the image bottom long before its
    sides leave the frame, and a cut dimension stops growing while the vehicle still nears.
    """
    xyxy = packet.detections.xyxy.astype(np.float64)
    cut = touches_edges(xyxy, packet.frame.width, packet.frame.height, margin_px)
    width = xyxy[:, 2] - xyxy[:, 0]
    height = xyxy[:, 3] - xyxy[:, 1]
    use_width = ~(cut["left"] | cut["right"]) & (width > 0)
    use_height = ~use_width & ~(cut["top"] | cut["bottom"]) & (height > 0)
    with np.errstate(divide="ignore"):
        inverse = np.where(use_width, 1.0 / width, np.where(use_height, 1.0 / height, np.nan))
    return inverse, np.where(use_width, 0, 1).astype(np.int8)
