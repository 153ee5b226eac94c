"""Per-track memory for analytics stages: recent samples and how often a track was seen.

Each stage owns its own instances (two pipelines never share a history). Tracks that
have not been seen for `forget_after_s` are dropped, so a long stream cannot grow
memory without bound, and a timestamp going backwards (a looped file, a reconnect)
clears everything rather than fitting across the jump.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sample:
    t: float
    value: float
    tag: int


class TrackSeries:
    """Timestamped values per track, e.g. box scale or range, for fitting over a window.

    `tag` marks how a value was measured (box width vs height, ground vs height range):
    values with different tags are not comparable, so a window never mixes them.
    """

    def __init__(self, window_s: float, forget_after_s: float = 5.0) -> None:
        self.window_s = window_s
        self.forget_after_s = forget_after_s
        self._samples: dict[int, deque[Sample]] = {}
        self._now = -np.inf

    def add(self, track_id: int, t: float, value: float, tag: int = 0) -> None:
        """Record a value; a repeated timestamp replaces the older sample."""
        self._advance(t)
        samples = self._samples.setdefault(track_id, deque())
        if samples and samples[-1].t >= t:
            samples.pop()
        samples.append(Sample(t, float(value), tag))
        while samples and samples[0].t < t - self.window_s - 1e-9:
            samples.popleft()

    def window(self, track_id: int, now: float) -> tuple[np.ndarray, np.ndarray]:
        """Times and values within `window_s` of now, in the trailing run sharing the newest tag."""
        samples = self._samples.get(track_id)
        if not samples:
            return np.zeros(0), np.zeros(0)
        tag = samples[-1].tag
        run: list[Sample] = []
        for sample in reversed(samples):
            if sample.tag != tag or sample.t < now - self.window_s - 1e-9:
                break
            run.append(sample)
        run.reverse()
        return np.array([s.t for s in run]), np.array([s.value for s in run])

    def forget_stale(self, now: float) -> None:
        """Drop tracks whose newest sample is older than `forget_after_s`."""
        self._advance(now)
        stale = [tid for tid, s in self._samples.items() if not s or s[-1].t < now - self.forget_after_s]
        for tid in stale:
            del self._samples[tid]

    def _advance(self, t: float) -> None:
        if t < self._now:
            self._samples.clear()
        self._now = t


class TrackHits:
    """How many frames each track has been seen in: the confirmation test for counting."""

    def __init__(self, forget_after_s: float = 5.0) -> None:
        self.forget_after_s = forget_after_s
        self._hits: dict[int, int] = {}
        self._last_seen: dict[int, float] = {}
        self._now = -np.inf

    def update(self, track_ids: np.ndarray, t: float) -> np.ndarray:
        """Count this frame's tracks (ids < 0 are untracked and get 0) and return their hits."""
        if t < self._now:
            self._hits.clear()
            self._last_seen.clear()
        self._now = t
        hits = np.zeros(len(track_ids), np.int64)
        for i, tid in enumerate(int(x) for x in track_ids):
            if tid < 0:
                continue
            self._hits[tid] = self._hits.get(tid, 0) + 1
            self._last_seen[tid] = t
            hits[i] = self._hits[tid]
        return hits

    def stale(self, now: float) -> list[int]:
        """Tracks unseen for `forget_after_s`; they are forgotten and returned once."""
        gone = [tid for tid, seen in self._last_seen.items() if seen < now - self.forget_after_s]
        for tid in gone:
            del self._hits[tid]
            del self._last_seen[tid]
        return gone
