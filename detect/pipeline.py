"""Build stages from a config and run frames through them.

Three steps run concurrently (runtime.py owns the threads): decode in the reader, then the
detector (batched), then tracker -> analytics -> annotators (in order: trackers are stateful),
then the sinks in the writer. Stage code stays synchronous and thread-free.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import os
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np

from detect import (
    runtime,
    stages,  # noqa: F401  (registers the built-in stages)
)
from detect.annotators.drawing import Drawing
from detect.config import (
    PipelineConfig,
    parse,
    set_value,
    source_override,
)
from detect.config_paths import read_config
from detect.contract import Analytics, Annotator, Detector, Sink, Source, Tracker
from detect.errors import ConfigError
from detect.motion import MotionGate
from detect.results import FrameResult
from detect.run_result import RunResult
from detect.stage_handles import (
    Named,
    StreamParts,
    close_stage,
    named_stage,
    sink_closer,
    stage_errors,
)
from detect.trackers.gap_filling import GapFiller
from detect.types import Detections, Event, Frame, Packet, SourceInfo
from detect.validate import output_problems


class Pipeline:
    """source -> detector -> tracker -> analytics -> annotators -> sinks."""

    def __init__(self, config: PipelineConfig, stream: StreamParts | None = None) -> None:
        self.config = config
        self.source: Named[Source] = named_stage(config.source)
        self.shared = stream
        """Set when this pipeline is one stream of a multi-stream run (streams.py, multi_runtime.py):
        the detector and some sinks are shared, and detection goes through the run's scheduler."""
        self.detector: Named[Detector] = stream.detector if stream else named_stage(config.detector)
        self.tracker: Named[Tracker] | None = named_stage(config.tracker) if config.tracker else None
        self.analytics: list[Named[Analytics]] = [named_stage(s) for s in config.analytics]
        self.annotators: list[Named[Annotator]] = [named_stage(s) for s in config.annotators]
        self.sinks: list[Named[Sink]] = [stream.sinks.get(i) or named_stage(s) if stream else named_stage(s)
                                         for i, s in enumerate(config.sinks)]
        self.drawing = Drawing(self.annotators)
        self.labels: tuple[str, ...] = ()
        self.stop = runtime.StopToken()
        problems = output_problems(self.source.stage, [(spec.where, item.stage)
                                                       for spec, item in zip(config.sinks, self.sinks)])
        if problems:
            raise ConfigError(problems, path=config.path)
        for item in self.stages():
            if not (stream and (item is stream.detector or item in stream.sinks.values())):
                item.stage.attach(self.stop)
        self._every = 1
        """Set from the detector after its open(): `detect_every: auto` depends on the source's fps."""
        self._seen = 0
        self._since = 0
        """Frames since the detector last ran (the tracker's `predict` fraction counts from it)."""
        self.motion = MotionGate(config.motion) if config.motion is not None else None
        self._tracks_active = False
        """Confirmed tracks after the last detection (set by the stages thread, read by the
        detector's): the motion gate lets such frames through, so tracks are not left to coast."""
        self.stats = runtime.RunStats()
        self.running = False
        """True from the first frame on: a stop request then drains and completes the outputs."""
        self.last_result: RunResult | None = None
        self._mailbox: runtime.LatestSlot | None = None
        """A live stream's newest-frame slot in a multi-stream run, read by the scheduler too."""
        self._direct: float | None = None
        """When `process` opened the detector (its first call), else None."""
        self._borrowed = False
        """The detector belongs to the pipeline `with_input` made this one from, which closes it."""
        self._lent = False
        """`with_input` shared this pipeline's detector: `close()` releases it."""
        self._gaps: GapFiller | None = None
        """The tracker's gap filling on a file run (set when the source opens)."""

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str], source: str | None = None, **overrides: Any) -> Pipeline:
        """A pipeline from a YAML file, its relative paths resolved against the file's folder;
        `source=` replaces its source like `--source`, and keyword overrides set values by dotted
        path with `__`: `detector__conf=0.4`, `sinks__0__path="out.mp4"` (both relative to cwd)."""
        return cls(_with_overrides(read_config(path), overrides, source, str(path)))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | None = None, **overrides: Any) -> Pipeline:
        """A pipeline from a mapping shaped like the YAML file (not modified); paths relative to cwd."""
        return cls(_with_overrides(copy.deepcopy(data), overrides, source, None))

    def stream(self, source: str | None = None, images: bool = False, sinks: bool = False) -> Iterator[FrameResult]:
        """Run on `source` (default: the configured one) and yield a `FrameResult` per frame, in
        order, while the run goes on. The configured sinks are written only with `sinks=True`;
        `images=True` adds the annotated picture. Leaving the loop early stops the run cleanly;
        `last_result` holds the summary afterwards."""
        data = copy.deepcopy(self.config.data)
        if source is not None:
            data["source"] = source_override(data.get("source"), source)
        if not sinks:
            data["sinks"] = []
        run = Pipeline(parse(data, self.config.path))
        packets = run.packets()
        try:
            for packet in packets:
                yield FrameResult.from_packet(packet, image=images)
        finally:
            packets.close()
            self.last_result = run.last_result

    def process(self, image: np.ndarray, pts: float | None = None, annotated: bool = False) -> FrameResult:
        """One frame the caller already has (HxWx3 uint8 BGR), e.g. in a live loop: detector,
        tracker, analytics and annotators run here and now, tracks continue across calls; the
        sinks are not written. `pts` defaults to seconds since the first call. `close()` (or a
        `with` block) releases the model."""
        if self._direct is None:
            h, w = image.shape[:2]
            self.detector.stage.open(SourceInfo(width=w, height=h, fps=30.0, total_frames=None, source_id="frames"))
            self._every = max(1, self.detector.stage.detect_every)
            self.labels = tuple(self.detector.stage.labels)
            self._direct = time.monotonic()
        index = self._seen
        when = pts if pts is not None else time.monotonic() - self._direct
        packet = _packet(Frame(image=image, index=index, pts_s=when, source_id="frames"), 0.0)
        [packet] = self.detect_step([packet])
        packet = self._analyse_and_draw(self._track(packet))
        return FrameResult.from_packet(packet, image=annotated)

    def with_input(self, source: str, **overrides: Any) -> Pipeline:
        """This pipeline on another input, with other values (sink paths, `source__end`), sharing
        this pipeline's detector: its model loads on the first run and stays loaded across the
        runs of every pipeline made here until `close()` (or the `with` block) ends. Tracker,
        analytics and sinks are new, so each input starts from track id 1 as in its own run."""
        if any(key.split("__")[0] == "detector" for key in overrides):
            raise ConfigError("with_input shares the detector: detector values cannot change per input")
        data = copy.deepcopy(self.config.data)
        run = Pipeline(_with_overrides(data, overrides, source, self.config.path))
        run.detector = self.detector
        run._borrowed = True
        self.detector.stage.attach(run.stop)
        self._lent = True
        return run

    def close(self) -> None:
        """Release what `process` or the runs of `with_input` pipelines opened (the model)."""
        if self._direct is not None or self._lent:
            self._direct = None
            self._lent = False
            self.detector.stage.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def stages(self) -> list[Named]:
        """Every stage in flow order."""
        tracker = [self.tracker] if self.tracker is not None else []
        return [self.source, self.detector, *tracker, *self.analytics, *self.annotators, *self.sinks]

    @property
    def live(self) -> bool:
        return self.source.stage.live

    def interrupt(self) -> None:
        """Wake a source waiting for a camera (from a signal handler: only sets a flag)."""
        self.source.stage.interrupt()

    def request_stop(self, reason: str) -> None:
        self.stop.request(reason)

    def detect_step(self, packets: list[Packet]) -> list[Packet]:
        """Detector on the frames due for detection: every `detect_every`-th frame, and with
        motion gating only those that move or follow confirmed tracks."""
        phases, still = [], []
        for packet in packets:
            phase = self._seen % self._every
            self._seen += 1
            motionless = False
            if self.motion is not None:
                t0 = time.perf_counter()
                motionless = not self.motion.moving(packet.frame.image) and not self._tracks_active
                packet.timings["motion"] = time.perf_counter() - t0
            if motionless:
                phase = max(phase, 1)
            self._since = 0 if phase == 0 else self._since + 1
            phases.append(self._since)
            still.append(motionless)
        due = [p for p, phase in zip(packets, phases) if phase == 0]
        found: Iterator[Detections] = iter(())
        share: dict[str, float] = {}
        if due:
            with stage_errors(self.detector.name, due[0].frame.index):
                images = [p.frame.image for p in due]
                if self.shared is not None:
                    newest = partial(self._newest, due) if self._mailbox is not None and len(packets) == 1 else None
                    results, timings = self.shared.infer(images, newest)
                    if newest is not None:
                        packets = due
                else:
                    results, timings = self.detector.stage.detect(images), self.detector.stage.last_timings
                found = iter(results)
            share = {k: v / len(due) for k, v in timings.items()}
        out = []
        for packet, phase, motionless in zip(packets, phases, still):
            if phase == 0:
                packet.timings.update(share)
                out.append(dataclasses.replace(packet, detections=next(found), labels=self.labels))
            else:
                out.append(dataclasses.replace(packet, detected=False, since_detection=phase, labels=self.labels,
                                               motionless=motionless))
        return out

    def _newest(self, due: list[Packet]) -> np.ndarray | None:
        """Called by the scheduler as it builds the batch: a newer frame from the mailbox replaces
        the one this live stream asked with (which counts as dropped), so the detector sees the
        newest frame, not one that aged while other streams' batches ran."""
        newer = self._mailbox.newer(due[0]) if self._mailbox is not None else None
        if newer is None:
            return None
        due[0] = newer
        return newer.frame.image

    def stages_step(self, packets: list[Packet]) -> list[Packet]:
        tracked = [self._track(p) for p in packets]
        if self._gaps is not None:
            tracked = [done for packet in tracked for done in self._gaps.push(packet)]
        return [self._analyse_and_draw(p) for p in tracked]

    def _flush_stages(self) -> list[Packet]:
        """The packets gap filling still holds when the input ends."""
        return [self._analyse_and_draw(p) for p in self._gaps.flush()] if self._gaps is not None else []

    def _track(self, packet: Packet) -> Packet:
        t0 = time.perf_counter()
        if self.tracker is not None:
            with stage_errors(self.tracker.name, packet.frame.index):
                if packet.detected:
                    detections = self.tracker.stage.update(packet.detections, packet.frame)
                    ids = detections.tracker_id
                    self._tracks_active = ids is not None and bool((ids >= 0).any())
                elif packet.motionless and not self._tracks_active:
                    # nothing moves, nothing tracked: time passes for the tracker as on an empty
                    # detector frame, so lost tracks expire as they would without the gate
                    detections = self.tracker.stage.update(Detections.empty(), packet.frame)
                else:
                    fraction = min(packet.since_detection / self._every, 1.0)
                    detections = self.tracker.stage.predict(packet.frame, fraction)
            packet = dataclasses.replace(packet, detections=detections)
        elif packet.detected:
            self._tracks_active = len(packet.detections) > 0
        packet.timings["track"] = time.perf_counter() - t0
        return packet

    def _analyse_and_draw(self, packet: Packet) -> Packet:
        t0 = time.perf_counter()
        for item in self.analytics:
            with stage_errors(item.name, packet.frame.index):
                packet = item.stage.process(packet)
        t1 = time.perf_counter()
        if self.drawing:
            packet = self.drawing.draw(packet)
        packet.timings.update(analytics=t1 - t0, annotate=time.perf_counter() - t1)
        return packet

    def write(self, packet: Packet) -> None:
        t0 = time.perf_counter()
        for item in self.sinks:
            with stage_errors(item.name, packet.frame.index):
                item.stage.write(packet)
        packet.timings["encode"] = time.perf_counter() - t0

    def run(self, threaded: bool = True, on_start: Callable[[SourceInfo], None] | None = None,
            on_packet: Callable[[Packet], None] | None = None) -> RunResult:
        """Open everything, stream every frame through to the sinks, close everything in `finally`."""
        result = self.last_result = RunResult()
        with contextlib.ExitStack() as stack:
            self._open(stack, result, on_start)
            t1, cpu0 = time.perf_counter(), time.process_time()

            def write(packet: Packet) -> None:
                self.write(packet)
                result.add(packet)
                if on_packet is not None:
                    on_packet(packet)

            self.running = True
            try:
                if threaded:
                    stats = runtime.run_pipeline(self._packets(), self._steps(), write, **self._runtime_options())
                else:
                    stats = runtime.run_sync(self._packets(), self._steps(), write, stop=self.stop)
            finally:
                self.running = False
            self._finish(result, stats, t1)
            result.cpu_seconds = time.process_time() - cpu0
        result.outputs = [path for item in self.sinks for path in item.stage.outputs()]
        return result

    def packets(self) -> Iterator[Packet]:
        """`run` as a generator of written packets (the sinks already have each one); the
        summary is `last_result` once the loop ends. Leaving the loop early stops the run."""
        result = RunResult()
        try:
            with contextlib.ExitStack() as stack:
                self._open(stack, result, None)
                t1, cpu0 = time.perf_counter(), time.process_time()
                self.running = True
                items = runtime.iterate_pipeline(self._packets(), self._steps(), **self._runtime_options())
                try:
                    for packet in items:
                        self.write(packet)
                        result.add(packet)
                        yield packet
                finally:
                    items.close()
                    self.running = False
                    self._finish(result, self.stats, t1)
                    result.cpu_seconds = time.process_time() - cpu0
        finally:
            result.outputs = [path for item in self.sinks for path in item.stage.outputs()]
            self.last_result = result

    def _open(self, stack: contextlib.ExitStack, result: RunResult,
              on_start: Callable[[SourceInfo], None] | None) -> SourceInfo:
        """Open source, detector and sinks, each closed by `stack` (sinks hear of a failure first)."""
        t0 = time.perf_counter()
        with stage_errors(self.source.name, None):
            info = self.source.stage.open()
        stack.callback(close_stage, self.source)
        result.info = info
        with stage_errors(self.detector.name, None):
            if self.shared is not None:
                self.shared.ready(info)
            else:
                if not self._borrowed:
                    stack.callback(close_stage, self.detector)
                self.detector.stage.open(info)
            self._every = max(1, self.detector.stage.detect_every)
            self.labels = tuple(self.detector.stage.labels)
            if self.motion is not None:
                self.motion.fps = info.fps
            t_load = time.perf_counter()
            if self.shared is None:
                self.detector.stage.warmup()
            result.warmup_seconds = time.perf_counter() - t_load
        result.load_seconds = self.detector.stage.load_seconds
        result.backend = self.detector.stage.backend_name
        result.tracked = self.tracker is not None and self.tracker.stage.assigns_ids
        self._gaps = self._gap_filler(info)
        for item in self.sinks:
            stack.push(sink_closer(item))
            with stage_errors(item.name, None):
                item.stage.open(info)
        if on_start is not None:
            on_start(info)
        result.startup_seconds = time.perf_counter() - t0
        return info

    def _gap_filler(self, info: SourceInfo) -> GapFiller | None:
        """Gap filling holds frames back, so a live source (and `process`) runs without it."""
        seconds = self.tracker.stage.fill_gaps_s if self.tracker is not None else 0.0
        if seconds <= 0 or self.live or not info.fps:
            return None
        return GapFiller(max(1, math.ceil(seconds * info.fps)))

    def _steps(self) -> list[runtime.Step]:
        batch = 1 if self.live else max(1, self.shared.batch if self.shared else self.detector.stage.batch)
        return [runtime.Step("detector", self.detect_step, batch),
                runtime.Step("stages", self.stages_step, flush=self._flush_stages)]

    def _runtime_options(self) -> dict:
        queue_size = self.config.runtime.queue_size
        if self.shared is not None and self.live:
            # A live stream among others shares the cores: frames queued after the detector would
            # age there, so one slot per queue sends the backpressure to the newest-frame mailbox.
            queue_size = 1
        self._mailbox = runtime.LatestSlot(self.stats, _keep_events) if self.shared and self.live else None
        return {"queue_size": queue_size, "policy": "latest" if self.live else "block",
                "stop": self.stop, "stats": self.stats, "merge": _keep_events,
                "interrupt": self.source.stage.interrupt, "mailbox": self._mailbox}

    def _finish(self, result: RunResult, stats: runtime.RunStats, started: float) -> None:
        result.seconds = time.perf_counter() - started
        result.dropped, result.interrupted = stats.dropped, stats.interrupted
        stopped = self.source.stage.stopped_early
        if stopped:
            result.warnings.append(f"{self.source.name}: {stopped}")
        result.warnings.extend(f"{self.source.name}: {line}" for line in self.source.stage.warnings())

    def _packets(self) -> Iterator[Packet]:
        """Source frames as packets carrying their decode time and any source events (e.g. a
        reconnect gap, from an optional `take_events()`); read errors name the source."""
        iterator = iter(self.source.stage)
        index = 0
        while True:
            t0 = time.perf_counter()
            with stage_errors(self.source.name, index):
                try:
                    frame = next(iterator)
                except StopIteration:
                    return
            index = frame.index + 1
            if self.shared is not None:
                frame = dataclasses.replace(frame, stream=self.shared.name)
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


def _with_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str | None,
                    path: str | None) -> PipelineConfig:
    if source is not None:
        data["source"] = source_override(data.get("source"), source)
    for key, value in overrides.items():
        set_value(data, key.replace("__", "."), value)
    return parse(data, path)


def build(config: PipelineConfig) -> Pipeline:
    return Pipeline(config)
