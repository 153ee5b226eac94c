"""`zones`: which confirmed tracks are inside each polygon, per class, with enter/leave events.

Only confirmed tracks count (tracked and seen in at least `min_hits` frames), so a
one-frame false detection never enters a zone. A track leaves when it is seen outside
or has been missing for `leave_after_s`: a detector blinking for a frame is not a
leave-and-re-enter.

Adds a boolean column `zone_<name>` per zone (the box's anchor is inside, for the
zone's classes). Events: `zone_config` (once per zone), `zone_enter`, `zone_leave`
and `zone_occupancy` (per-class counts, only when they change).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field, field_validator

from detect.analytics.events import make_event
from detect.analytics.geometry import anchor_points, points_in_polygon
from detect.analytics.labels import check_classes, class_mask, class_name
from detect.analytics.packet_data import track_ids, with_columns
from detect.analytics.shapes import ZoneSpec, unique_names
from detect.analytics.track_history import TrackHits
from detect.columns import (
    CLASS_NAME,
    COUNTS,
    KIND,
    POLYGON,
    TOTAL,
    ZONE,
    ZONE_CONFIG,
    ZONE_ENTER,
    ZONE_KIND,
    ZONE_LEAVE,
    ZONE_OCCUPANCY,
    zone_column,
)
from detect.contract import Analytics
from detect.params import StageParams
from detect.registry import analytics
from detect.types import Event, Packet


@dataclass
class _ZoneState:
    """Tracks currently inside one zone: id -> (class name, last time seen inside)."""

    inside: dict[int, tuple[str, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@analytics.register("zones")
class Zones(Analytics):
    """Polygon zones: occupancy per class and enter/leave events for confirmed tracks."""

    class Params(StageParams):
        zones: list[ZoneSpec] = Field(min_length=1, description="The polygons to watch")
        min_hits: int = Field(3, ge=1, description="A track counts once seen in this many frames")
        leave_after_s: float = Field(1.0, ge=0, description="A track missing this long has left")
        forget_after_s: float = Field(5.0, gt=0, description="Forget a track unseen this long")

        @field_validator("zones")
        @classmethod
        def _unique(cls, zones: list[ZoneSpec]) -> list[ZoneSpec]:
            unique_names([z.name for z in zones], "zone")
            return zones

    def __init__(self, params: Params) -> None:
        self.params = params
        self.hits = TrackHits(params.forget_after_s)
        self.polygons = [np.array(z.polygon, np.float64) for z in params.zones]
        self.states = [_ZoneState() for _ in params.zones]
        self._started = False

    def process(self, packet: Packet) -> Packet:
        events: list[Event] = []
        if not self._started:
            events.extend(self._start(packet))
        dets, t = packet.detections, packet.frame.pts_s
        ids = track_ids(dets)
        confirmed = (ids >= 0) & (self.hits.update(ids, t) >= self.params.min_hits)
        self.hits.stale(t)
        columns: dict[str, np.ndarray] = {}
        for spec, polygon, state in zip(self.params.zones, self.polygons, self.states):
            member = class_mask(packet.labels, dets.class_id, spec.classes)
            member &= points_in_polygon(anchor_points(dets.xyxy, spec.anchor), polygon)
            columns[zone_column(spec.name)] = member
            self._update(packet, spec.name, state, ids, member & confirmed, events)
        return with_columns(packet, columns, events)

    def _start(self, packet: Packet) -> list[Event]:
        self._started = True
        events: list[Event] = []
        for spec in self.params.zones:
            check_classes(packet.labels, spec.classes, f"zones.{spec.name}.classes")
            events.append(make_event(ZONE_CONFIG, packet, {ZONE: spec.name, KIND: ZONE_KIND, POLYGON: spec.polygon}))
        return events

    def _update(
        self,
        packet: Packet,
        name: str,
        state: _ZoneState,
        ids: np.ndarray,
        inside: np.ndarray,
        events: list[Event],
    ) -> None:
        """Apply this frame's memberships to one zone and log what changed."""
        t = packet.frame.pts_s
        present = {int(tid) for tid in ids if tid >= 0}
        for i in np.flatnonzero(inside):
            tid = int(ids[i])
            cls = class_name(packet.labels, int(packet.detections.class_id[i]))
            if tid not in state.inside:
                events.append(make_event(ZONE_ENTER, packet, {ZONE: name, CLASS_NAME: cls}, track=tid))
            state.inside[tid] = (cls, t)
        inside_now = {int(ids[i]) for i in np.flatnonzero(inside)}
        for tid, (cls, seen) in list(state.inside.items()):
            gone = tid in present and tid not in inside_now
            lost = tid not in present and t - seen > self.params.leave_after_s
            if gone or lost or seen > t:
                del state.inside[tid]
                events.append(make_event(ZONE_LEAVE, packet, {ZONE: name, CLASS_NAME: cls}, track=tid))
        counts = dict(sorted(Counter(cls for cls, _ in state.inside.values()).items()))
        if counts != state.counts:
            state.counts = counts
            events.append(make_event(ZONE_OCCUPANCY, packet, {ZONE: name, COUNTS: counts, TOTAL: sum(counts.values())}))
