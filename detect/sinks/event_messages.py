"""What the notification sinks (`mqtt`, `webhook`) send: events, and optionally occupancy.

Both publish the same JSON: each event of the chosen kinds as its `to_record()` plus the
stream's name, and, every `occupancy_every_s` seconds of source time, the number of confirmed
tracks in view per class (`{"event": "occupancy", "stream", "pts", "counts", "total"}`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import Field

from detect.analytics.labels import class_name
from detect.columns import (
    COUNTS,
    EVENT,
    LIVE_STATS,
    OBJECT_END,
    OBJECT_START,
    PTS,
    TOTAL,
)
from detect.params import StageParams
from detect.types import Packet

OCCUPANCY = "occupancy"
DEFAULT_KINDS = [OBJECT_START, OBJECT_END, "zone_enter", "zone_leave", "line_crossing", "collision_warning"]


class MessageParams(StageParams):
    """The choice of messages, shared by the notification sinks."""

    stream: str = Field("camera", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="name of this camera in messages")
    kinds: list[str] = Field(default_factory=lambda: list(DEFAULT_KINDS),
                             description="event kinds to send (see `detect list`); [] = none")
    occupancy_every_s: float = Field(0.0, ge=0, description="send per-class counts of tracks in view every "
                                                            "N seconds (0 = never)")
    max_queue: int = Field(1000, ge=1, le=1_000_000, description="messages held while the receiver is away; "
                                                                "beyond it the oldest are dropped and counted")
    retry_max_s: float = Field(10.0, gt=0, le=600, description="longest wait between two delivery attempts "
                                                               "(the wait doubles from 0.2 s after each failure)")
    drain_s: float = Field(5.0, ge=0, le=600, description="at the end, time allowed to deliver what is queued")


class EventMessages:
    """Turns packets into (kind, JSON-ready message) pairs, in order."""

    def __init__(self, params: MessageParams) -> None:
        self.params = params
        self.kinds = set(params.kinds) - {LIVE_STATS}
        self._next_occupancy: float | None = None

    def messages(self, packet: Packet) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for event in packet.events:
            if event.kind in self.kinds:
                out.append((event.kind, {**event.to_record(), "stream": self.params.stream}))
        every = self.params.occupancy_every_s
        t = packet.frame.pts_s
        due = self._next_occupancy
        if every > 0 and (due is None or t >= due - 1e-6 or t < due - every):  # 1 us: rounding in pts
            self._next_occupancy = (due if due is not None and due - 1e-6 <= t < due + every else t) + every
            out.append((OCCUPANCY, self._occupancy(packet)))
        return out

    def _occupancy(self, packet: Packet) -> dict[str, Any]:
        dets = packet.detections
        tracked = [int(c) for c, tid in zip(dets.class_id, dets.tracker_id if dets.tracker_id is not None else [])
                   if tid >= 0]
        counts = dict(sorted(Counter(class_name(packet.labels, c) for c in tracked).items()))
        return {EVENT: OCCUPANCY, "stream": self.params.stream, PTS: round(packet.frame.pts_s, 4),
                COUNTS: counts, TOTAL: sum(counts.values())}
