"""The read loop every live source shares: capture time, reconnects, gap events, safe close.

A live source (`webcam`, `stream`) only knows how to open one connection and read one picture
from it. This loop does the rest, the same way for both:

- each frame carries `capture_time` (monotonic clock when the read returned) and
  `pts_s` = seconds since the source opened, so times keep increasing across reconnects
  (a camera's own clock restarts at 0 when it reconnects);
- a stall or error closes the connection and reopens it with backoff and jitter, logging each
  attempt; no frame is invented meanwhile. The first frame after it carries a `gap` Event
  (`{"event": "gap", "from_pts", "to_pts", "reason", ...}`, via `take_events()`);
- `close()` may come from another thread while the reader is blocked in a read: it then only
  marks the feed closed, and the reader releases the connection as soon as that read returns
  (bounded by the connection's read timeout). Closing a decoder under a running read crashes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from detect.columns import FRAME, GAP, KIND, LIVE_SOURCE, SOURCE
from detect.contract import Source
from detect.errors import SourceError
from detect.sources.backoff import ReconnectParams, delays
from detect.types import Event, Frame, SourceInfo

log = logging.getLogger(__name__)

FPS_PROBE_FRAMES = 8
FPS_PROBE_S = 1.5


class StreamLost(Exception):
    """A connection stopped delivering pictures; `reason` goes into the log and the gap event."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Connection(Protocol):
    """One open camera or stream. `read()` returns a BGR picture, None at the end of the
    stream, or raises StreamLost; it must return within the source's read/stall timeout."""

    fps: float | None
    settings: dict[str, Any]

    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...


class _Closed(Exception):
    """The feed was closed while waiting; iteration ends quietly."""


class LiveFeed:
    """Frames from `connect()`ed connections, reconnecting per `reconnect` until closed."""

    def __init__(self, name: str, source_id: str, connect: Callable[[], Connection],
                 reconnect: ReconnectParams, fps: float | None = None) -> None:
        self.name = name
        self.source_id = source_id
        self._connect = connect
        self._reconnect_params = reconnect
        self._fps = fps
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._busy = False
        self._closed = threading.Event()
        self._events: list[Event] = []
        self._gap: dict[str, Any] | None = None
        self._t0 = 0.0
        self._index = 0
        self._last_pts = 0.0
        self.reconnects = 0
        self.settings: dict[str, Any] = {}

    def open(self, kind: str) -> SourceInfo:
        """First connection (its errors are the user's: no retry), first picture, frame rate."""
        conn = self._connect()
        self._conn = conn
        self._t0 = time.monotonic()
        try:
            first = conn.read()
            if first is None:
                raise StreamLost("the stream ended before its first picture")
            fps = self._fps or conn.fps or self._measure_fps(conn)
        except StreamLost as exc:
            self.close()
            raise SourceError(f"{self.name}: opened, but {exc.reason}") from None
        self.settings = {**conn.settings, "width": first.shape[1], "height": first.shape[0], "fps": round(fps, 3)}
        self._events.append(Event(LIVE_SOURCE, frame=None, pts=None,
                                  payload={KIND: kind, SOURCE: self.source_id, **self.settings}))
        return SourceInfo(width=first.shape[1], height=first.shape[0], fps=fps, total_frames=None,
                          source_id=self.source_id, live=True)

    def _measure_fps(self, conn: Connection) -> float:
        """Streams that do not announce a rate (MJPEG over HTTP) are timed over a few pictures."""
        times = [time.monotonic()]
        while len(times) <= FPS_PROBE_FRAMES and times[-1] - times[0] < FPS_PROBE_S:
            if conn.read() is None:
                break
            times.append(time.monotonic())
        if len(times) < 3 or times[-1] <= times[1]:
            return 30.0
        return (len(times) - 2) / (times[-1] - times[1])

    def take_events(self) -> list[Event]:
        """What happened since the last call (`live_source` once, then any `gap`)."""
        events, self._events = self._events, []
        return events

    def __iter__(self) -> Iterator[Frame]:
        while True:
            try:
                image = self._guarded(lambda: self._current().read())
                reason = "ended: the stream closed"
            except StreamLost as exc:
                image, reason = None, exc.reason
            except _Closed:
                return
            if image is not None:
                yield self._frame(image)
                continue
            try:
                self._recover(reason)
            except _Closed:
                return

    def _current(self) -> Connection:
        if self._conn is None:
            raise _Closed
        return self._conn

    def _frame(self, image: np.ndarray) -> Frame:
        now = time.monotonic()
        pts = now - self._t0
        if self._gap is not None:
            gap, self._gap = self._gap, None
            # A source event has no frame header; `frame` (the first after the gap) stays in
            # the payload after `attempts`, where gap records have always carried it.
            self._events.append(Event(GAP, frame=None, pts=None, payload={
                SOURCE: self.source_id, "from_pts": gap["from_pts"], "to_pts": round(pts, 3), "reason": gap["reason"],
                "attempts": gap["attempts"], FRAME: self._index, "width": image.shape[1], "height": image.shape[0]}))
        frame = Frame(image=image, index=self._index, pts_s=pts, source_id=self.source_id, capture_time=now)
        self._index += 1
        self._last_pts = pts
        return frame

    def _recover(self, reason: str) -> None:
        """Drop the broken connection and reopen with backoff until it works, the attempts run
        out (SourceError: the run ends with a clear error, outputs closed) or the feed closes."""
        self._release()
        lost_at = time.monotonic()
        self._gap = {"from_pts": round(self._last_pts, 3), "reason": reason, "attempts": 0}
        last = reason
        attempt = 0
        for attempt, delay in enumerate(delays(self._reconnect_params), start=1):
            log.warning("%s: %s; reconnect attempt %d in %.1f s", self.name, last, attempt, delay)
            if self._closed.wait(delay):
                raise _Closed
            try:
                conn = self._guarded(self._connect)
            except SourceError as exc:
                last = str(exc)
                continue
            with self._lock:
                if not self._closed.is_set():
                    self._conn = conn
                    conn = None
            if conn is not None:
                conn.close()
                raise _Closed
            self.reconnects += 1
            self._gap["attempts"] = attempt
            log.warning("%s: reconnected after %.1f s (attempt %d)", self.name, time.monotonic() - lost_at, attempt)
            return
        raise SourceError(f"{self.name}: lost ({reason}) and gave up after {attempt} reconnect attempts "
                          f"in {time.monotonic() - lost_at:.0f} s (last: {last})")

    def _guarded(self, call: Callable[[], Any]) -> Any:
        """Run a blocking read/connect marked busy, so a concurrent close() leaves the
        connection to this thread, which releases it once the call returns."""
        with self._lock:
            if self._closed.is_set():
                raise _Closed
            self._busy = True
        try:
            return call()
        finally:
            with self._lock:
                self._busy = False
                closing = self._closed.is_set()
            if closing:
                self._release()

    def _release(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def interrupt(self) -> None:
        """Stop waiting: a reconnect backoff ends at once, a blocked read when it returns (the
        reader then releases the connection). Only sets a flag, so a signal handler may call it."""
        self._closed.set()

    def close(self) -> None:
        """Safe from any thread, at any time; never waits for a blocked read."""
        with self._lock:
            self._closed.set()
            conn = None if self._busy else self._conn
            if conn is not None:
                self._conn = None
        if conn is not None:
            conn.close()


class FeedSource(Source):
    """What `webcam` and `stream` share around their LiveFeed: iteration, events, stop, report.

    Subclasses set `self._feed` and describe their granted settings in `_settings_text()`."""

    live = True
    _feed: LiveFeed

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._feed)

    def take_events(self) -> list[Event]:
        return self._feed.take_events()

    def _settings_text(self) -> str:
        raise NotImplementedError

    def live_report(self) -> list[str]:
        """Lines for the `detect run` summary: the settings the camera or stream gave."""
        if not self._feed.settings:
            return []
        line = self._settings_text()
        if self._feed.reconnects:
            line += f", {self._feed.reconnects} reconnects"
        return [line]

    def interrupt(self) -> None:
        """Stop waiting for the camera; safe from a signal handler (see LiveFeed.interrupt)."""
        self._feed.interrupt()

    def close(self) -> None:
        self._feed.close()
