"""Many streams in one process: each stream runs the usual threads (runtime.py), and one
scheduler thread batches the shared detector across streams.

```
stream a: reader -> detector step --\\                    /--> stages -> writer (a's sinks)
stream b: reader -> detector step ---> scheduler: one detect(images) call --> stages -> writer (b's sinks)
stream c: reader -> detector step --/                    \\--> stages -> writer (c's sinks)
```

A stream's detector step hands its frames to `BatchScheduler.infer` and waits for their
boxes, so each stream has at most one request outstanding and its frames stay in its order.
The scheduler thread takes the pending requests round-robin (starting after the stream served
first last time) into one call of up to `batch` images, after waiting at most `gather_s` for
running streams that have not asked yet: a slow or stalled stream never holds the others for
longer than that, and a fast file stream gets one request per call like every other stream,
so it cannot starve a live one. A file stream's request holds up to `batch / streams` frames
(never fewer than one), run as submitted. A live stream's request holds one frame, swapped for
the newest one in its mailbox when the call is built (`newest()`; the older one counts as
dropped), so it never ages while other streams' calls run; a call holding a live frame takes
at most `live_batch` images, since on a CPU the frame's latency is its call's time.

Isolation: an error in a stream (its source, tracker, analytics, annotators or sinks) ends
that stream only; its outputs close complete and the run goes on. The detector is shared, so
an error inside it ends every stream that was waiting on that call.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from detect import runtime
from detect.contract import Detector, PhasedDetector, Prepared, Sink
from detect.errors import ConfigError, DetectError
from detect.pipeline import Pipeline
from detect.run_result import RunResult
from detect.sinks.shared import SharedSink
from detect.stage_handles import Named, StreamParts, close_stage, named_stage
from detect.streams import StreamConfig, plan_outputs
from detect.types import Detections, SourceInfo

log = logging.getLogger(__name__)


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


@dataclass
class StreamOutcome:
    """What one stream did: its run's result (partial if it failed) and its error, if any."""

    name: str
    result: RunResult
    live: bool
    error: BaseException | None = None
    outputs: list[str] = field(default_factory=list)


class MultiPipeline:
    """Named streams, one shared detector, per-stream tracker, analytics, annotators and sinks."""

    def __init__(self, configs: Sequence[StreamConfig], gather_s: float | None = None) -> None:
        first = configs[0].config
        self.configs = list(configs)
        self.detector: Named[Detector] = named_stage(first.detector)
        self.stop = runtime.StopToken()
        self.detector.stage.attach(self.stop)
        planned = [(c.name, c.config.source.build(), [(s.where, s.build()) for s in c.config.sinks])
                   for c in self.configs]
        shared, problems = plan_outputs(planned)
        if problems:
            raise ConfigError(problems, path=first.path)
        shared_sinks: dict[str, dict[int, Named[Sink]]] = {c.name: {} for c in self.configs}
        self.shared_sinks: list[SharedSink] = []
        for output in shared:
            owner, index = output.members[0]
            inner = next(sinks for name, _, sinks in planned if name == owner)[index][1]
            wrapper = SharedSink(inner)
            inner.attach(self.stop)
            self.shared_sinks.append(wrapper)
            for name, i in output.members:
                shared_sinks[name][i] = Named(f"sinks[{i}] (shared {output.path})", wrapper)
        n = len(self.configs)
        batch = max(1, self.detector.stage.batch)
        self.scheduler = BatchScheduler(self.detector.stage, batch,
                                        first.runtime.gather_ms / 1000 if gather_s is None else gather_s,
                                        first.runtime.live_batch)
        self._open_lock = threading.Lock()
        self._servers: list[threading.Thread] = []
        self._opened = False
        self._open_error: BaseException | None = None
        self.pipelines: dict[str, Pipeline] = {}
        for c in self.configs:
            parts = StreamParts(name=c.name, detector=self.detector, sinks=shared_sinks[c.name],
                                infer=partial(self.scheduler.infer, c.name), batch=max(1, batch // n),
                                ready=partial(self._ready, c.name))
            self.pipelines[c.name] = Pipeline(c.config, parts)
        self.running = False
        """True once the streams started: a stop then drains and completes every output."""

    @property
    def live(self) -> bool:
        return any(p.live for p in self.pipelines.values())

    def interrupt(self) -> None:
        for pipeline in self.pipelines.values():
            pipeline.interrupt()

    def request_stop(self, reason: str) -> None:
        self.stop.request(reason)
        for pipeline in self.pipelines.values():
            pipeline.request_stop(reason)

    def _ready(self, name: str, info: SourceInfo) -> None:
        """A stream's source is open: the first one opens (and warms up) the shared detector."""
        with self._open_lock:
            if self._open_error is not None:
                raise self._open_error
            if not self._opened:
                try:
                    # The detector's mode is the run's, not this stream's: with a live stream among
                    # them it stays in latency mode (a live frame comes one per call), otherwise
                    # file batches run in throughput mode, whichever stream opened first.
                    self.detector.stage.open(dataclasses.replace(info, live=self.live))
                    self._opened = True
                    self.detector.stage.warmup()
                    calls = self.scheduler.phased.concurrent_calls if self.scheduler.phased else 1
                    self._servers += [runtime.start_thread(self.scheduler.serve, f"detect-scheduler-{i + 1}")
                                      for i in range(1, calls)]
                except BaseException as exc:
                    self._open_error = exc
                    raise
        self.scheduler.join(name)

    def run(self) -> list[StreamOutcome]:
        """Every stream to its end (or its error, or a stop); then the shared outputs close."""
        outcomes = {c.name: StreamOutcome(c.name, RunResult(), False) for c in self.configs}
        self._servers.append(runtime.start_thread(self.scheduler.serve, "detect-scheduler"))
        threads = [runtime.start_thread(partial(self._run_stream, name, outcomes[name]), f"detect-stream-{name}")
                   for name in self.pipelines]
        self.running = True
        try:
            runtime.wait_threads(threads)
        finally:
            self.running = False
            self.scheduler.close()
            for server in self._servers:
                server.join()
            errors: list[BaseException] = []
            for sink in self.shared_sinks:
                try:
                    sink.finish()
                except BaseException as exc:  # noqa: BLE001  (reported below, after every sink closed)
                    errors.append(exc)
            if self._opened:
                close_stage(self.detector)
            if errors:
                raise errors[0]
        return [outcomes[c.name] for c in self.configs]

    def _run_stream(self, name: str, outcome: StreamOutcome) -> None:
        pipeline = self.pipelines[name]
        try:
            pipeline.run()
        except BaseException as exc:  # noqa: BLE001  (a stream's failure is its own; reported by name)
            outcome.error = exc
            if not isinstance(exc, DetectError):
                log.exception("stream %s failed", name)
        finally:
            self.scheduler.leave(name)
            outcome.result = pipeline.last_result or RunResult()
            outcome.live = pipeline.live
            outcome.outputs = [path for item in pipeline.sinks for path in item.stage.outputs()]


def summary_lines(outcomes: Sequence[StreamOutcome]) -> list[str]:
    """One line per stream: frames, fps, drops, latency p50/p95, tracks, outputs, error."""
    lines = []
    for o in outcomes:
        r = o.result
        latency = r.latency.percentiles_ms()
        late = f", latency p50 {latency['p50']:.0f} ms p95 {latency['p95']:.0f} ms" if latency else ""
        tracks = f", {len(r.track_ids)} tracks" if r.tracked and r.frames else ""
        drops = f", {r.dropped} dropped" if o.live else ""
        stopped = " (stopped early)" if r.interrupted else ""
        outs = ", ".join(dict.fromkeys(o.outputs)) or "no outputs"
        error = f"; FAILED: {o.error}" if o.error is not None else ""
        lines.append(f"stream {o.name}: {r.frames} frames in {r.seconds:.1f} s ({r.fps:.1f} fps){stopped}{drops}"
                     f"{late}{tracks} -> {outs}{error}")
    return lines


def stream_complete(outcome: StreamOutcome) -> bool:
    """A stream covered its whole input: no error, frames, no warning, not a stopped file."""
    r = outcome.result
    return (outcome.error is None and r.frames > 0 and not r.warnings
            and not (r.interrupted and not outcome.live))
