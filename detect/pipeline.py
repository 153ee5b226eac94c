"""Build stages from a config and run frames through them, in order, on one thread."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from detect import stages  # noqa: F401  (registers the built-in stages)
from detect import runtime
from detect.config import PipelineConfig, StageSpec
from detect.errors import ConfigError, DetectError, StageError
from detect.types import Frame, Packet, SourceInfo


@dataclass
class RunResult:
    frames: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0
    track_ids: set[int] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    info: SourceInfo | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        outs = ", ".join(self.outputs) if self.outputs else "no outputs"
        return (f"{self.frames} frames in {self.seconds:.1f} s ({self.fps:.1f} fps; "
                f"+{self.startup_seconds:.1f} s start-up), {len(self.track_ids)} tracks -> {outs}")


@dataclass
class _Named:
    name: str
    stage: Any


class Pipeline:
    """source -> detector -> tracker -> analytics -> annotators -> sinks."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.source = _named(config.source)
        self.detector = _named(config.detector)
        self.tracker = _named(config.tracker) if config.tracker else None
        self.analytics = [_named(s) for s in config.analytics]
        self.annotators = [_named(s) for s in config.annotators]
        self.sinks = [_named(s) for s in config.sinks]
        self.labels: tuple[str, ...] = ()

    def process(self, frame: Frame) -> Packet:
        """All per-frame stage work for one frame; any failure names the stage and frame."""
        with _stage(self.detector.name, frame.index):
            detections = self.detector.stage.detect([frame.image])[0]
        if self.tracker is not None:
            with _stage(self.tracker.name, frame.index):
                detections = self.tracker.stage.update(detections, frame)
        packet = Packet(frame=frame, detections=detections, labels=self.labels)
        for item in self.analytics:
            with _stage(item.name, frame.index):
                packet = item.stage.process(packet)
        if self.annotators:
            canvas = frame.image.copy()
            for item in self.annotators:
                with _stage(item.name, frame.index):
                    canvas = item.stage.annotate(canvas, packet)
            packet = dataclasses.replace(packet, canvas=canvas)
        return packet

    def write(self, packet: Packet) -> None:
        for item in self.sinks:
            with _stage(item.name, packet.frame.index):
                item.stage.write(packet)

    def run(self, threaded: bool = True, on_start: Callable[[SourceInfo], None] | None = None,
            on_packet: Callable[[Packet], None] | None = None) -> RunResult:
        """Open everything, stream every frame, close everything in `finally`."""
        result = RunResult()
        t0 = time.perf_counter()
        with contextlib.ExitStack() as stack:
            with _stage(self.source.name, None):
                info = self.source.stage.open()
            stack.callback(self.source.stage.close)
            result.info = info
            with _stage(self.detector.name, None):
                self.detector.stage.open()
                stack.callback(self.detector.stage.close)
                self.labels = tuple(self.detector.stage.labels)
                self.detector.stage.warmup()
            for item in self.sinks:
                with _stage(item.name, None):
                    item.stage.open(info)
                stack.callback(item.stage.close)
            result.outputs = [str(item.stage.path) for item in self.sinks if hasattr(item.stage, "path")]
            if on_start is not None:
                on_start(info)
            t1 = time.perf_counter()
            result.startup_seconds = t1 - t0

            def process(frame: Frame) -> Packet:
                packet = self.process(frame)
                result.frames += 1
                if packet.detections.tracker_id is not None:
                    result.track_ids.update(int(t) for t in packet.detections.tracker_id if t >= 0)
                if on_packet is not None:
                    on_packet(packet)
                return packet

            frames = self._frames()
            if threaded:
                runtime.run_threaded(frames, process, self.write, self.config.runtime.queue_size)
            else:
                runtime.run_sync(frames, process, self.write)
            result.seconds = time.perf_counter() - t1
            stopped = getattr(self.source.stage, "stopped_early", None)
            if stopped:
                result.warnings.append(f"{self.source.name}: {stopped}")
        return result

    def _frames(self) -> Iterator[Frame]:
        """Source frames with read errors attributed to the source stage."""
        iterator = iter(self.source.stage)
        index = 0
        while True:
            with _stage(self.source.name, index):
                try:
                    frame = next(iterator)
                except StopIteration:
                    return
            index = frame.index + 1
            yield frame


def _named(spec: StageSpec) -> _Named:
    return _Named(f"{spec.where} ({spec.type})", spec.build())


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
