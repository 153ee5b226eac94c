"""What a run did: counts, timings, outputs; every field of fixed size but the track ids."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from detect.stats import Durations
from detect.types import Packet, SourceInfo


@dataclass
class RunResult:
    """What a run did; every field is of fixed size except `track_ids` (one int per track)."""

    frames: int = 0
    detected: int = 0
    """Frames the detector ran on (fewer than `frames` with `detect_every` or motion gating)."""
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
    cpu_seconds: float = 0.0
    """Process CPU time (every thread: decoder, inference engine, encoder too) while frames streamed."""

    def add(self, packet: Packet) -> None:
        """One written frame: counts, track ids, per-stage times, latency (the writer's thread only)."""
        self.frames += 1
        self.detected += packet.detected
        ids = packet.detections.tracker_id
        if ids is not None:
            self.track_ids.update(int(t) for t in ids if t >= 0)
        for key, value in packet.timings.items():
            stage = self.stage_times.get(key)
            if stage is None:
                stage = self.stage_times[key] = Durations()
            stage.add(value)
        self.latency.add(time.monotonic() - packet.frame.capture_time)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        outs = ", ".join(self.outputs) if self.outputs else "no outputs"
        stopped = " (stopped early)" if self.interrupted else ""
        drops = f", {_count(self.dropped, 'stale frame')} dropped" if self.dropped else ""
        tracks = f", {_count(len(self.track_ids), 'track')}" if self.tracked else ""
        return (f"{_count(self.frames, 'frame')} in {self.seconds:.1f} s ({self.fps:.1f} fps; "
                f"+{self.startup_seconds:.1f} s start-up){stopped}{drops}{tracks} -> {outs}")


    def stage_line(self) -> str:
        """Where a frame's time went (`detect run --verbose`): each stage's wall time per written
        frame (they overlap in a threaded run) and the process CPU per frame, which is what the
        stages together cost the machine (README: Speed)."""
        per_frame = max(self.frames, 1)
        stages = ", ".join(f"{name} {1000 * times.total_s / per_frame:.1f}"
                           for name, times in self.stage_times.items() if times.count)
        cores = self.cpu_seconds / self.seconds if self.seconds > 0 else 0.0
        return (f"stages (wall ms per frame, overlapping): {stages}; process CPU "
                f"{1000 * self.cpu_seconds / per_frame:.1f} ms per frame ({cores:.2f} cores busy)")


def _count(number: int, noun: str) -> str:
    """'1 frame', '2 frames': the summary reads as English for a single image too."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
