"""`lines`: count tracks crossing directed lines, by class and direction, once per track.

A crossing is the track's anchor moving from one side of the segment to the other
through the segment itself (passing beyond its ends does not count). Untracked
detections never count. A track that crosses before it is confirmed (seen in
`min_hits` frames) is held as pending and counted when it is confirmed, so a real
vehicle that crosses quickly still counts while a short-lived false track never does;
crossing back before confirmation cancels it. After a track is counted on a line,
further crossings of that line by it are ignored.

Direction "in" is from the right of start->end to its left as seen on screen; "out"
is the reverse. Events: `line_config` (once per line), `line_crossing` with running
totals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field, field_validator

from detect.analytics.events import make_event
from detect.analytics.geometry import anchor_points, crosses_segment, side_of_line
from detect.analytics.labels import check_classes, class_mask, class_name
from detect.analytics.packet_data import track_ids, with_columns
from detect.analytics.shapes import LineSpec, unique_names
from detect.analytics.track_history import TrackHits
from detect.columns import (
    CLASS_NAME,
    COUNTS,
    DIRECTION,
    END,
    LINE,
    LINE_CONFIG,
    LINE_CROSSING,
    START,
    TOTAL_IN,
    TOTAL_OUT,
)
from detect.contract import Analytics
from detect.params import StageParams
from detect.registry import analytics
from detect.types import Event, Packet

DIRECTIONS = ("in", "out")


@dataclass
class _LineState:
    """Per-line memory: each track's last off-line position, pending and counted tracks."""

    last: dict[int, tuple[np.ndarray, int]] = field(default_factory=dict)
    pending: dict[int, str] = field(default_factory=dict)
    counted: set[int] = field(default_factory=set)
    counts: dict[str, Counter[str]] = field(default_factory=lambda: {d: Counter() for d in DIRECTIONS})

    def forget(self, track_id: int) -> None:
        self.last.pop(track_id, None)
        self.pending.pop(track_id, None)
        self.counted.discard(track_id)


@analytics.register("lines")
class Lines(Analytics):
    """Line crossings counted by class and direction, once per confirmed track."""

    class Params(StageParams):
        lines: list[LineSpec] = Field(min_length=1, description="The directed segments to count")
        min_hits: int = Field(3, ge=1, description="A track counts once seen in this many frames")
        forget_after_s: float = Field(5.0, gt=0, description="Forget a track unseen this long")

        @field_validator("lines")
        @classmethod
        def _unique(cls, lines: list[LineSpec]) -> list[LineSpec]:
            unique_names([line.name for line in lines], "line")
            return lines

    def __init__(self, params: Params) -> None:
        self.params = params
        self.hits = TrackHits(params.forget_after_s)
        self.ends = [(np.array(s.start, np.float64), np.array(s.end, np.float64)) for s in params.lines]
        self.states = [_LineState() for _ in params.lines]
        self._started = False

    def process(self, packet: Packet) -> Packet:
        events: list[Event] = []
        if not self._started:
            events.extend(self._start(packet))
        dets, t = packet.detections, packet.frame.pts_s
        ids = track_ids(dets)
        confirmed = self.hits.update(ids, t) >= self.params.min_hits
        for tid in self.hits.stale(t):
            for state in self.states:
                state.forget(tid)
        for spec, (start, end), state in zip(self.params.lines, self.ends, self.states):
            member = class_mask(packet.labels, dets.class_id, spec.classes) & (ids >= 0)
            points = anchor_points(dets.xyxy, spec.anchor)
            sides = side_of_line(points, start, end)
            for i in np.flatnonzero(member):
                tid = int(ids[i])
                direction = self._move(state, tid, points[i], int(sides[i]), start, end)
                self._settle(packet, spec.name, state, (int(i), tid), direction, bool(confirmed[i]), events)
        return with_columns(packet, {}, events)

    def _start(self, packet: Packet) -> list[Event]:
        self._started = True
        events: list[Event] = []
        for spec in self.params.lines:
            check_classes(packet.labels, spec.classes, f"lines.{spec.name}.classes")
            events.append(make_event(LINE_CONFIG, packet, {LINE: spec.name, START: spec.start, END: spec.end}))
        return events

    @staticmethod
    def _move(
        state: _LineState, tid: int, point: np.ndarray, side: int, start: np.ndarray, end: np.ndarray
    ) -> str | None:
        """Record the track's new position; the direction if this move crossed the segment."""
        if side == 0:
            return None
        previous = state.last.get(tid)
        state.last[tid] = (point, side)
        if previous is None or previous[1] == side or not crosses_segment(previous[0], point, start, end):
            return None
        return "in" if previous[1] > 0 else "out"

    def _settle(
        self,
        packet: Packet,
        name: str,
        state: _LineState,
        detection: tuple[int, int],
        direction: str | None,
        confirmed: bool,
        events: list[Event],
    ) -> None:
        """Count a crossing now, hold it until the track is confirmed, or let two cancel."""
        index, tid = detection
        if tid in state.counted:
            return
        pending = state.pending.pop(tid, None)
        if direction is not None and pending is not None and direction != pending:
            return
        direction = direction or pending
        if direction is None:
            return
        if not confirmed:
            state.pending[tid] = direction
            return
        state.counted.add(tid)
        cls = class_name(packet.labels, int(packet.detections.class_id[index]))
        state.counts[direction][cls] += 1
        events.append(
            make_event(
                LINE_CROSSING,
                packet,
                {
                    LINE: name,
                    CLASS_NAME: cls,
                    DIRECTION: direction,
                    TOTAL_IN: sum(state.counts["in"].values()),
                    TOTAL_OUT: sum(state.counts["out"].values()),
                    COUNTS: {d: dict(sorted(state.counts[d].items())) for d in DIRECTIONS},
                },
                track=tid,
            )
        )
