"""Build stages from a config and run frames through them.

Three steps run concurrently (runtime.py owns the threads): decode in the reader, then the
detector (batched), then tracker -> analytics -> annotators (in order: trackers are stateful),
then the sinks in the writer. Stage code stays synchronous and thread-free.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from detect import (
    runtime,
    stages,  # noqa: F401  (registers the built-in stages)
)
from detect.config import PipelineConfig, StageSpec
from detect.contract import Analytics, Annotator, Detector, Sink, Source, Stage, Tracker
from detect.errors import ConfigError, DetectError, StageError
from detect.stats import Durations
from detect.types import Detections, Event, Frame, Packet, SourceInfo
from detect.validate import output_problems

S = TypeVar("S", bound=Stage)


@dataclass
class RunResult:
    """What a run did; every field is of fixed size except `track_ids` (one int per track)."""

    frames: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0
    load_seconds: float = 0.0
    warmup_seconds: float = 0.0
    track_ids: set[int] = field(default_factory=set)
    tracked: bool = True
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stage_times: dict[str, Durations] = field(default_factory=dict)
    latency: Durations = field(default_factory=Durations)
    """Capture (or decode) -> every sink written, per frame."""
    dropped: int = 0
    interrupted: bool = False
    info: SourceInfo | None = None
    backend: str = ""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        outs = ", ".join(self.outputs) if self.outputs else "no outputs"
        stopped = " (stopped early)" if self.interrupted else ""
        drops = f", {self.dropped} stale frames dropped" if self.dropped else ""
        tracks = f", {len(self.track_ids)} tracks" if self.tracked else ""
        return (f"{self.frames} frames in {self.seconds:.1f} s ({self.fps:.1f} fps; "
                f"+{self.startup_seconds:.1f} s start-up){stopped}{drops}{tracks} -> {outs}")


@dataclass
class Named(Generic[S]):
    """A built stage and where it sits in the config (`sinks[1] (jsonl)`), for error messages."""

    name: str
    stage: S


class Pipeline:
    """source -> detector -> tracker -> analytics -> annotators -> sinks."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.source: Named[Source] = _named(config.source)
        self.detector: Named[Detector] = _named(config.detector)
        self.tracker: Named[Tracker] | None = _named(config.tracker) if config.tracker else None
        self.analytics: list[Named[Analytics]] = [_named(s) for s in config.analytics]
        self.annotators: list[Named[Annotator]] = [_named(s) for s in config.annotators]
        self.sinks: list[Named[Sink]] = [_named(s) for s in config.sinks]
        self.labels: tuple[str, ...] = ()
        self.stop = runtime.StopToken()
        problems = output_problems(self.source.stage, [(spec.where, item.stage)
                                                       for spec, item in zip(config.sinks, self.sinks)])
        if problems:
            raise ConfigError(problems, path=config.path)
        for item in self.stages():
            item.stage.attach(self.stop)
        self._every = 1
        """Set from the detector after its open(): `detect_every: auto` depends on the source's fps."""
        self._seen = 0
        self.stats = runtime.RunStats()
        self.running = False
        """True from the first frame on: a stop request then drains and completes the outputs."""

    def stages(self) -> list[Named]:
        """Every stage in flow order."""
        tracker = [self.tracker] if self.tracker is not None else []
        return [self.source, self.detector, *tracker, *self.analytics, *self.annotators, *self.sinks]

    @property
    def live(self) -> bool:
        return self.source.stage.live

    def detect_step(self, packets: list[Packet]) -> list[Packet]:
        """Detector on the frames due for detection (all of them unless `detect_every` > 1)."""
        phases = []
        for _ in packets:
            phases.append(self._seen % self._every)
            self._seen += 1
        due = [p for p, phase in zip(packets, phases) if phase == 0]
        found: Iterator[Detections] = iter(())
        share: dict[str, float] = {}
        if due:
            with _stage(self.detector.name, due[0].frame.index):
                found = iter(self.detector.stage.detect([p.frame.image for p in due]))
            share = {k: v / len(due) for k, v in self.detector.stage.last_timings.items()}
        out = []
        for packet, phase in zip(packets, phases):
            if phase == 0:
                packet.timings.update(share)
                out.append(dataclasses.replace(packet, detections=next(found), labels=self.labels))
            else:
                out.append(dataclasses.replace(packet, detected=False, since_detection=phase, labels=self.labels))
        return out

    def stages_step(self, packets: list[Packet]) -> list[Packet]:
        return [self._track_and_draw(p) for p in packets]

    def _track_and_draw(self, packet: Packet) -> Packet:
        index = packet.frame.index
        timings = packet.timings
        t0 = time.perf_counter()
        if self.tracker is not None:
            with _stage(self.tracker.name, index):
                if packet.detected:
                    detections = self.tracker.stage.update(packet.detections, packet.frame)
                else:
                    fraction = packet.since_detection / self._every
                    detections = self.tracker.stage.predict(packet.frame, fraction)
            packet = dataclasses.replace(packet, detections=detections)
        t1 = time.perf_counter()
        for item in self.analytics:
            with _stage(item.name, index):
                packet = item.stage.process(packet)
        t2 = time.perf_counter()
        if self.annotators:
            canvas = packet.frame.image.copy()
            for item in self.annotators:
                with _stage(item.name, index):
                    canvas = item.stage.annotate(canvas, packet)
            packet = dataclasses.replace(packet, canvas=canvas)
        t3 = time.perf_counter()
        timings.update(track=t1 - t0, analytics=t2 - t1, annotate=t3 - t2)
        return packet

    def write(self, packet: Packet) -> None:
        t0 = time.perf_counter()
        for item in self.sinks:
            with _stage(item.name, packet.frame.index):
                item.stage.write(packet)
        packet.timings["encode"] = time.perf_counter() - t0

    def run(self, threaded: bool = True, on_start: Callable[[SourceInfo], None] | None = None,
            on_packet: Callable[[Packet], None] | None = None) -> RunResult:
        """Open everything, stream every frame, close everything in `finally`."""
        result = RunResult()
        t0 = time.perf_counter()
        with contextlib.ExitStack() as stack:
            with _stage(self.source.name, None):
                info = self.source.stage.open()
            stack.callback(_close, self.source)
            result.info = info
            with _stage(self.detector.name, None):
                stack.callback(_close, self.detector)
                self.detector.stage.open(info)
                self._every = max(1, self.detector.stage.detect_every)
                self.labels = tuple(self.detector.stage.labels)
                t_load = time.perf_counter()
                self.detector.stage.warmup()
                result.warmup_seconds = time.perf_counter() - t_load
            result.load_seconds = self.detector.stage.load_seconds
            result.backend = self.detector.stage.backend_name
            result.tracked = self.tracker is not None and self.tracker.stage.assigns_ids
            for item in self.sinks:
                stack.push(_sink_closer(item))
                with _stage(item.name, None):
                    item.stage.open(info)
            if on_start is not None:
                on_start(info)
            t1 = time.perf_counter()
            result.startup_seconds = t1 - t0

            def write(packet: Packet) -> None:
                self.write(packet)
                _account(result, packet)
                if on_packet is not None:
                    on_packet(packet)

            frames = self._packets()
            batch = max(1, self.detector.stage.batch)
            steps = [runtime.Step("detector", self.detect_step, 1 if self.live else batch),
                     runtime.Step("stages", self.stages_step)]
            self.running = True
            try:
                if threaded:
                    stats = runtime.run_pipeline(frames, steps, write, self.config.runtime.queue_size,
                                                 policy="latest" if self.live else "block", stop=self.stop,
                                                 stats=self.stats, merge=_keep_events,
                                                 interrupt=self.source.stage.interrupt)
                else:
                    stats = runtime.run_sync(frames, steps, write, stop=self.stop)
            finally:
                self.running = False
            result.seconds = time.perf_counter() - t1
            result.dropped, result.interrupted = stats.dropped, stats.interrupted
            stopped = self.source.stage.stopped_early
            if stopped:
                result.warnings.append(f"{self.source.name}: {stopped}")
        result.outputs = [path for item in self.sinks for path in item.stage.outputs()]
        return result

    def _packets(self) -> Iterator[Packet]:
        """Source frames as packets carrying their decode time and any source events (e.g. a
        reconnect gap, from an optional `take_events()`); read errors name the source."""
        iterator = iter(self.source.stage)
        index = 0
        while True:
            t0 = time.perf_counter()
            with _stage(self.source.name, index):
                try:
                    frame = next(iterator)
                except StopIteration:
                    return
            index = frame.index + 1
            events = tuple(self.source.stage.take_events())
            yield _packet(frame, time.perf_counter() - t0, events, self.stats.dropped)


def _packet(frame: Frame, decode_s: float, events: tuple[Event, ...] = (), dropped: int = 0) -> Packet:
    if not frame.capture_time:
        frame = dataclasses.replace(frame, capture_time=time.monotonic())
    return Packet(frame=frame, detections=Detections.empty(), timings={"decode": decode_s},
                  events=events, dropped=dropped)


def _keep_events(dropped: Packet, newer: Packet) -> Packet:
    """A live frame replaced before processing passes its events (a reconnect gap) on."""
    if not dropped.events:
        return newer
    return dataclasses.replace(newer, events=dropped.events + newer.events)


def _account(result: RunResult, packet: Packet) -> None:
    """Runs in the writer thread only: frame counts, track ids, per-stage times, latency."""
    result.frames += 1
    ids = packet.detections.tracker_id
    if ids is not None:
        result.track_ids.update(int(t) for t in ids if t >= 0)
    for key, value in packet.timings.items():
        stage = result.stage_times.get(key)
        if stage is None:
            stage = result.stage_times[key] = Durations()
        stage.add(value)
    result.latency.add(time.monotonic() - packet.frame.capture_time)


def _close(item: Named) -> None:
    """Errors while closing (a full disk at the last flush) are one line naming the stage too."""
    with _stage(item.name, None):
        item.stage.close()


def _sink_closer(item: Named[Sink]) -> Callable[..., bool]:
    """An ExitStack exit for a sink: on any failure the sink hears `fail()` before `close()`
    (a file sink then replaces no existing file)."""

    def exit_(exc_type: type[BaseException] | None, *_: object) -> bool:
        if exc_type is not None:
            item.stage.fail()
        _close(item)
        return False

    return exit_


def _named(spec: StageSpec) -> Named:
    return Named(f"{spec.where} ({spec.type})", spec.build())


@contextlib.contextmanager
def _stage(name: str, frame_index: int | None) -> Iterator[None]:
    try:
        yield
    except (StageError, KeyboardInterrupt):
        raise
    except DetectError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise StageError(name, frame_index, exc) from exc
    except Exception as exc:
        raise StageError(name, frame_index, exc) from exc


def build(config: PipelineConfig) -> Pipeline:
    return Pipeline(config)
