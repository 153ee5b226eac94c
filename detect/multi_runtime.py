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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from detect import runtime
from detect.batch_scheduler import BatchScheduler
from detect.contract import Detector, Sink
from detect.errors import ConfigError, DetectError
from detect.pipeline import Pipeline
from detect.run_result import RunResult
from detect.sinks.shared import SharedSink
from detect.stage_handles import Named, StreamParts, close_stage, named_stage
from detect.streams import StreamConfig, plan_outputs
from detect.types import SourceInfo

log = logging.getLogger(__name__)



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
