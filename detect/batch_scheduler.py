"""The cross-stream batching of one shared detector (the policy: multi_runtime.py's docstring).

Kept apart from multi_runtime.py, which runs the streams around it: this is the one part that
decides which frames go into which detector call, and how a phased detector's work is split
between the streams' threads and the scheduler's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from detect.contract import Detector, PhasedDetector, Prepared
from detect.types import Detections


@dataclass
class _Request:
    stream: str
    images: list[np.ndarray]
    newest: Callable[[], np.ndarray | None] | None = None
    """A live stream's: the newest frame, if one came since it asked (read as the batch is built)."""
    prepared: Prepared | None = None
    """A phased detector's input for these images: made in the stream's thread, or for a live
    stream in the scheduler's once the newest frame is known."""
    raw: np.ndarray | None = None
    done: threading.Event = field(default_factory=threading.Event)
    results: list[Detections] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: BaseException | None = None


class BatchScheduler:
    """Cross-stream batching of one detector (see the module docstring for the policy)."""

    def __init__(self, detector: Detector, batch: int, gather_s: float, live_batch: int | None = None) -> None:
        self.detector = detector
        self.phased: PhasedDetector | None = detector if isinstance(detector, PhasedDetector) else None
        """Set when the detector splits into prepare/infer/finish: each stream then prepares and
        decodes its own frames in its own thread, and this thread only runs the network."""
        self.batch = max(1, batch)
        self.live_batch = min(self.batch, live_batch or self.batch)
        """Most images in a call that holds a live frame: the frame's latency is its call's time."""
        self.gather_s = gather_s
        self.calls = 0
        self.images = 0
        self._cond = threading.Condition()
        self._pending: dict[str, _Request] = {}
        self._running: list[str] = []
        self._inflight: set[str] = set()
        """Streams whose request is in a call of another serving thread (not waited for)."""
        self._next = 0
        self._closed = False

    def join(self, stream: str) -> None:
        with self._cond:
            if stream not in self._running:
                self._running.append(stream)

    def leave(self, stream: str) -> None:
        with self._cond:
            if stream in self._running:
                self._running.remove(stream)
            self._cond.notify_all()

    def infer(self, stream: str, images: Sequence[np.ndarray], newest: Callable[[], np.ndarray | None] | None = None,
              ) -> tuple[list[Detections], Mapping[str, float]]:
        """Called in a stream's detector thread: blocks until the scheduler ran these images (or,
        given `newest`, the one image it returns when the batch is built, if it returns one)."""
        request = _Request(stream, list(images), newest)
        if self.phased is not None and newest is None:
            request.prepared = self.phased.prepare(request.images)
        with self._cond:
            if self._closed:
                raise RuntimeError("the detector scheduler has ended")
            self._pending[stream] = request
            self._cond.notify_all()
        request.done.wait()
        if request.error is not None:
            raise request.error
        if self.phased is None or request.prepared is None or request.raw is None:
            return request.results, request.timings
        t0 = time.perf_counter()
        results = self.phased.finish(request.prepared, request.raw)
        timings = {"preprocess": request.prepared.seconds, **request.timings,
                   "postprocess": time.perf_counter() - t0}
        return results, timings

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def serve(self) -> None:
        """A scheduler thread: gather, detect, hand back; until closed and nothing is pending.
        Run by one thread, or by `concurrent_calls` threads when the detector runs a batch's
        frames in parallel: one call then gathers while the other runs."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending) or self._closed)
                if not self._pending:
                    return
                deadline = time.monotonic() + self.gather_s
                while (self._count() < self._limit()
                       and len(self._pending) < len(self._running) - len(self._inflight - self._pending.keys())
                       and not self._closed and (left := deadline - time.monotonic()) > 0):
                    self._cond.wait(left)
                taken = self._take()
                self._inflight.update(r.stream for r in taken)
            for request in taken:
                if request.newest is not None and (image := request.newest()) is not None:
                    request.images = [image]
            try:
                if self.phased is not None:
                    self._infer_phased(self._prepare_live(taken))
                else:
                    self._detect(taken)
            finally:
                with self._cond:
                    self._inflight.difference_update(r.stream for r in taken)
                    self._cond.notify_all()

    def _count(self) -> int:
        return sum(len(r.images) for r in self._pending.values())

    def _limit(self) -> int:
        return self.live_batch if any(r.newest is not None for r in self._pending.values()) else self.batch

    def _take(self) -> list[_Request]:
        """Round-robin from the stream after the last one served; a request that would overflow
        the batch waits for the next call (the first one is always taken)."""
        names = self._running[self._next:] + self._running[:self._next]
        names += [name for name in self._pending if name not in names]
        taken: list[_Request] = []
        count = 0
        last = None
        live = False
        for name in names:
            request = self._pending.get(name)
            if request is None:
                continue
            live_now = live or request.newest is not None
            if taken and count + len(request.images) > (self.live_batch if live_now else self.batch):
                continue
            taken.append(self._pending.pop(name))
            count += len(request.images)
            live = live_now
            last = name
        if last in self._running:
            self._next = (self._running.index(last) + 1) % len(self._running)
        return taken

    def _prepare_live(self, taken: list[_Request]) -> list[_Request]:
        """Prepare the live frames, chosen only now; one that fails fails its own stream only."""
        assert self.phased is not None
        ready = []
        for request in taken:
            if request.prepared is None:
                try:
                    request.prepared = self.phased.prepare(request.images)
                except BaseException as exc:  # noqa: BLE001  (raised in that stream's thread)
                    request.error = exc
                    request.done.set()
                    continue
            ready.append(request)
        return ready

    def _infer_phased(self, taken: list[_Request]) -> None:
        """One network call per input size over the streams' prepared blobs; each stream gets
        its rows of the output back and decodes them in its own thread."""
        groups: dict[tuple[int, ...], list[_Request]] = {}
        for request in taken:
            assert request.prepared is not None
            groups.setdefault(request.prepared.blob.shape[1:], []).append(request)
        assert self.phased is not None
        try:
            for group in groups.values():
                blobs = [r.prepared.blob for r in group if r.prepared is not None]
                blob = blobs[0] if len(blobs) == 1 else np.concatenate(blobs)
                t0 = time.perf_counter()
                raw = self.phased.infer_prepared(blob)
                seconds = time.perf_counter() - t0
                start = 0
                for request, part in zip(group, blobs):
                    n = part.shape[0]
                    request.raw = raw[start:start + n]
                    request.timings = {"inference": seconds * n / blob.shape[0]}
                    start += n
        except BaseException as exc:  # noqa: BLE001  (raised in every waiting stream's thread)
            for request in taken:
                request.error = exc
                request.done.set()
            return
        self._count_call(sum(len(r.images) for r in taken))
        for request in taken:
            request.done.set()

    def _count_call(self, images: int) -> None:
        with self._cond:
            self.calls += 1
            self.images += images

    def _detect(self, taken: list[_Request]) -> None:
        """One detect call per image size in the batch (frames of one size are letterboxed alike,
        exactly as in a one-stream run); results and time shares go back to each request."""
        images = [image for request in taken for image in request.images]
        by_size: dict[tuple[int, ...], list[int]] = {}
        for i, image in enumerate(images):
            by_size.setdefault(image.shape, []).append(i)
        results: list[Detections | None] = [None] * len(images)
        totals: dict[str, float] = {}
        try:
            for indices in by_size.values():
                found = self.detector.detect([images[i] for i in indices])
                for i, detections in zip(indices, found):
                    results[i] = detections
                for key, value in self.detector.last_timings.items():
                    totals[key] = totals.get(key, 0.0) + value
        except BaseException as exc:  # noqa: BLE001  (raised in every waiting stream's thread)
            for request in taken:
                request.error = exc
                request.done.set()
            return
        self._count_call(len(images))
        start = 0
        for request in taken:
            n = len(request.images)
            request.results = [r for r in results[start:start + n] if r is not None]
            request.timings = {k: v * n / len(images) for k, v in totals.items()}
            start += n
            request.done.set()
