"""`objects`: an event when a tracked object of a watched class appears, and one when it is gone.

What a camera owner wants to hear about ("a person is in the driveway") without drawing a
zone: `object_start` once a track has been seen in `min_hits` frames, `object_end` once it has
not been seen for `end_after_s` (a track still in view when the run ends gets no end). The
`clips`, `mqtt` and `webhook` sinks act on these events.
Payload: class name, the box and confidence at the start and when the track was first seen
(`first_pts`, before it was confirmed: where an event clip's pre-roll counts from); at the end, the duration and the
best confidence seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from detect.analytics.events import make_event
from detect.analytics.labels import check_classes, class_mask, class_name
from detect.analytics.packet_data import track_ids, with_columns
from detect.columns import CLASS_NAME, OBJECT_END, OBJECT_START
from detect.contract import Analytics
from detect.params import StageParams
from detect.registry import analytics
from detect.types import Event, Packet


@dataclass
class _Seen:
    class_name: str
    first_pts: float
    last_pts: float
    hits: int = 1
    best_confidence: float = 0.0
    started: bool = False


@analytics.register("objects")
class Objects(Analytics):
    """`object_start` / `object_end` events for confirmed tracks of the chosen classes."""

    class Params(StageParams):
        classes: list[str] | None = Field(None, description="classes to report (default: every class)")
        min_hits: int = Field(3, ge=1, description="a track is reported once seen in this many frames")
        end_after_s: float = Field(2.0, gt=0, description="a track unseen this long has ended")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._tracks: dict[int, _Seen] = {}
        self._checked = False

    def process(self, packet: Packet) -> Packet:
        if not self._checked:
            check_classes(packet.labels, self.params.classes, "objects.classes")
            self._checked = True
        dets, t = packet.detections, packet.frame.pts_s
        ids = track_ids(dets)
        watched = class_mask(packet.labels, dets.class_id, self.params.classes) & (ids >= 0)
        events: list[Event] = []
        if any(seen.last_pts > t for seen in self._tracks.values()):
            self._tracks.clear()  # time went back (a looped file, a reconnect): start afresh
        for i in np.flatnonzero(watched):
            tid, confidence = int(ids[i]), float(dets.confidence[i])
            seen = self._tracks.get(tid)
            if seen is None:
                seen = self._tracks[tid] = _Seen(class_name(packet.labels, int(dets.class_id[i])), t, t, 0)
            seen.hits += 1
            seen.last_pts = t
            seen.best_confidence = max(seen.best_confidence, confidence)
            if not seen.started and seen.hits >= self.params.min_hits:
                seen.started = True
                events.append(make_event(OBJECT_START, packet, {
                    CLASS_NAME: seen.class_name, "confidence": confidence, "first_pts": round(seen.first_pts, 4),
                    "xyxy": [round(float(v), 1) for v in dets.xyxy[i]]}, track=tid))
        for tid, seen in list(self._tracks.items()):
            if t - seen.last_pts > self.params.end_after_s:
                del self._tracks[tid]
                if seen.started:
                    events.append(make_event(OBJECT_END, packet, {
                        CLASS_NAME: seen.class_name, "duration_s": seen.last_pts - seen.first_pts,
                        "best_confidence": seen.best_confidence}, track=tid))
        return with_columns(packet, {}, events) if events else packet
