"""Live numbers for a running stream: frame rate, capture->now latency, dropped frames.

Shared by the `hud` live section, the JSONL `live_stats` lines and the `detect run` summary.
Whole-run percentiles come from `stats.Durations` (fixed size), so a run of days costs no more
memory than a run of seconds.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from detect.columns import LIVE_STATS, SOURCE
from detect.stats import Durations, percentiles_ms
from detect.types import Event, Packet


def drop_ratio(packet: Packet) -> float:
    """Share of the frames read so far that were dropped as stale (frame indices count every read)."""
    read = packet.frame.index + 1
    return packet.dropped / read if read > 0 else 0.0


class RollingRate:
    """Frames per second and median latency over the last `window_s` seconds."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()
        self._latencies: deque[float] = deque()

    def add(self, latency_s: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._times.append(now)
        self._latencies.append(latency_s)
        while self._times and now - self._times[0] > self.window_s:
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
