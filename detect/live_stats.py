"""Live numbers for a running stream: frame rate, capture->now latency, dropped frames.

Shared by the `hud` live section, the JSONL `live_stats` lines, the `mjpeg` page's
`/stats.json` (`StreamStats`) and the `detect run` summary. Every window here is of fixed size
and whole-run percentiles come from `stats.Durations`, so a run of days costs no more memory
than a run of seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Any

import numpy as np

from detect.columns import CLASS_NAME, LINE, LIVE_STATS, SOURCE, ZONE
from detect.redaction import redact_values
from detect.stats import Durations, percentiles_ms
from detect.types import Event, Packet

RATE_WINDOW_S = 5.0
"""Frame rate and latency are over this many seconds: steady at 30 fps, still a number at 0.5 fps."""
RATE_WINDOW_FRAMES = 1024
"""... and at most this many frames (the window's memory bound at very high rates)."""


def drop_ratio(packet: Packet) -> float:
    """Share of the frames read so far that were dropped as stale (frame indices count every read)."""
    read = packet.frame.index + 1
    return packet.dropped / read if read > 0 else 0.0


class RollingRate:
    """Frames per second and latency over the last `window_s` seconds.

    The newest frame older than the window is kept as the window's start, so the rate of a
    stream slower than one frame per window is still its rate, not 0 (a 1 s window showed
    `0.0 fps` on a run at 0.8 fps)."""

    def __init__(self, window_s: float = RATE_WINDOW_S, max_frames: int = RATE_WINDOW_FRAMES) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque(maxlen=max_frames)
        self._latencies: deque[float] = deque(maxlen=max_frames)

    def add(self, latency_s: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._times.append(now)
        self._latencies.append(latency_s)
        while len(self._times) > 2 and now - self._times[1] >= self.window_s:
            self._times.popleft()
            self._latencies.popleft()

    @property
    def fps(self) -> float:
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    @property
    def latency_s(self) -> float:
        return float(np.median(self._latencies)) if self._latencies else 0.0

    def latencies(self) -> tuple[float, ...]:
        """The window's latencies in seconds (a copy)."""
        return tuple(self._latencies)

    def latency_ms(self) -> dict[str, float]:
        """p50, p95 and max over the window ({} before the first frame)."""
        return percentiles_ms(self._latencies)

    @property
    def last_time(self) -> float | None:
        return self._times[-1] if self._times else None


class RecentIds:
    """Counts distinct track ids in fixed memory: ids seen lately (least recently seen
    forgotten beyond `size`). A tracker drops a track lost for a few seconds and never reuses
    its id, so an id comes back only while it is still remembered."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.total = 0
        self._recent: OrderedDict[int, None] = OrderedDict()

    def add(self, ids: np.ndarray) -> None:
        for track in ids.tolist():
            if track < 0:
                continue  # not confirmed
            if track in self._recent:
                self._recent.move_to_end(track)
                continue
            self.total += 1
            self._recent[track] = None
            if len(self._recent) > self.size:
                self._recent.popitem(last=False)


class StreamStats:
    """What the live page shows: updated once per written frame (the writer's thread), read as
    JSON by the server's threads, both under one lock. All state is of fixed size: the rate
    window, the newest `events` events, the recent track ids and the newest frame's boxes; the
    per-class counts and percentiles are computed when read, not per frame."""

    def __init__(self, source_id: str, events: int = 20, window_s: float = RATE_WINDOW_S) -> None:
        self.source_id = source_id
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._rate = RollingRate(window_s)
        self._events: deque[dict[str, Any]] = deque(maxlen=events)
        self._tracks = RecentIds()
        self._frames = 0
        self._last: Packet | None = None

    def add(self, packet: Packet, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        ids = packet.detections.tracker_id
        with self._lock:
            self._frames += 1
            self._rate.add(now - packet.frame.capture_time, now)
            if ids is not None:
                self._tracks.add(ids)
            self._events.extend(_event_line(event, packet) for event in packet.events)
            self._last = packet

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """The `/stats.json` document (docs/live.md), JSON-ready and redacted. Only copies are
        taken under the lock, so a request never holds up the writer for the percentiles."""
        now = time.monotonic() if now is None else now
        with self._lock:
            last, frames, tracks_total = self._last, self._frames, self._tracks.total
            fps, last_time, latencies = self._rate.fps, self._rate.last_time, self._rate.latencies()
            events = list(reversed(self._events))
        doc: dict[str, Any] = {
            SOURCE: self.source_id, "seconds": round(now - self._started, 2), "frames": frames,
            "fps": round(fps, 2) if last_time is not None and now - last_time <= self._rate.window_s else 0.0,
            "window_s": self._rate.window_s, "latency_ms": percentiles_ms(latencies),
            "last_frame_age_s": None if last_time is None else round(now - last_time, 3),
            "events": events, "tracks": None, "classes": {}, "frame": None, "dropped": 0, "drop_ratio": 0.0,
        }
        if last is not None:
            dets = last.detections
            names, counts = np.unique(dets.class_id, return_counts=True)
            doc.update(frame=last.frame.index, dropped=last.dropped, drop_ratio=round(drop_ratio(last), 4),
                       classes={_class_name(last.labels, int(c)): int(n) for c, n in zip(names, counts)})
            if dets.tracker_id is not None:
                doc["tracks"] = {"active": int(np.count_nonzero(dets.tracker_id >= 0)), "total": tracks_total}
        return redact_values(doc)


def _class_name(labels: tuple[str, ...], cls: int) -> str:
    return labels[cls] if 0 <= cls < len(labels) else str(cls)


def _event_line(event: Event, packet: Packet) -> dict[str, Any]:
    """One row of the page's event list: kind, frame, track, class, and the zone or line it is about."""
    cls = event.payload.get(CLASS_NAME)
    ids = packet.detections.tracker_id
    if cls is None and event.track is not None and ids is not None:
        hits = np.flatnonzero(ids == event.track)
        if len(hits):
            cls = _class_name(packet.labels, int(packet.detections.class_id[hits[0]]))
    track = None if event.track is None or event.track < 0 else event.track
    subject = event.payload.get(ZONE, event.payload.get(LINE))
    return {"kind": event.kind, "frame": event.frame, "track": track, "class": cls, "subject": subject}


class StatsLines:
    """`live_stats` events: one every `every_s` seconds for the window just passed (a trend
    shows as rising numbers), and a final whole-run one (`"final": true`)."""

    def __init__(self, every_s: float, source_id: str) -> None:
        self.every_s = every_s
        self.source_id = source_id
        self._started = time.monotonic()
        self._window_start = self._started
        self._window: list[float] = []
        self._window_dropped = 0
        self._run = Durations()
        self._last: Packet | None = None

    def add(self, packet: Packet) -> Event | None:
        """Count one written frame; return a stats event when a window is complete."""
        now = time.monotonic()
        latency = now - packet.frame.capture_time
        self._window.append(latency)
        self._run.add(latency)
        self._last = packet
        if self.every_s <= 0 or now - self._window_start < self.every_s:
            return None
        stats = self._stats(now - self._window_start, len(self._window), percentiles_ms(self._window),
                            packet.dropped - self._window_dropped)
        self._window, self._window_start, self._window_dropped = [], now, packet.dropped
        return Event(LIVE_STATS, frame=None, pts=None, payload=stats)

    def final(self) -> Event | None:
        if self._last is None:
            return None
        seconds = time.monotonic() - self._started
        latency = self._run.percentiles_ms()
        stats = self._stats(seconds, self._run.count, latency, self._last.dropped)
        return Event(LIVE_STATS, frame=None, pts=None, payload={**stats, "final": True})

    def _stats(self, seconds: float, frames: int, latency: dict[str, float], dropped: int) -> dict[str, Any]:
        """The payload: JSON-ready, rounded here (the stats are read by people)."""
        assert self._last is not None
        return {SOURCE: self.source_id, "seconds": round(seconds, 2), "frames": frames,
                "fps": round(frames / seconds, 2) if seconds > 0 else 0.0, "latency_ms": latency,
                "dropped": dropped, "dropped_total": self._last.dropped,
                "drop_ratio": round(drop_ratio(self._last), 4)}
