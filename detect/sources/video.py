"""Video files through PyAV: exact presentation times, threaded decode, damage-tolerant.

Damaged packets are skipped and counted (one warning names the file and the count), a file cut
off part-way is read up to the cut, and a display rotation (phone video) is applied to every
frame, so detection and outputs see the picture upright, as players show it.

With `realtime: true` a file behaves like a camera: frames come no faster than their
timestamps allow and the pipeline treats the source as live (newest frame only, stale frames
dropped and counted), which is how live behaviour is simulated and tested with a file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from detect.contract import Source
from detect.errors import SourceError
from detect.gpu_video import DecodeDevice, HwAccel
from detect.params import StageParams, path_field
from detect.registry import sources
from detect.sources.damaged_packets import Damage, decode_skipping_damage
from detect.sources.orientation import quarter_turns, upright
from detect.types import Frame, SourceInfo

log = logging.getLogger(__name__)

MAX_SECONDS = 1e9
"""Far beyond any recording, yet small enough for every container's 64-bit timestamps."""
MAX_STRIDE = 10_000


def to_bgr(frame) -> np.ndarray:
    """Decoded picture -> BGR. OpenCV's I420 conversion is ~3x faster than swscale's bgr24 here."""
    import cv2

    if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
        return cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2BGR_I420)
    return frame.to_ndarray(format="bgr24")


@sources.register("video")
class VideoSource(Source):
    """Any file FFmpeg decodes; start/end in seconds, keep every `stride`-th frame."""

    live = False

    class Params(StageParams):
        path: str = path_field(description="video file")
        start: float = Field(0.0, ge=0, le=MAX_SECONDS, allow_inf_nan=False, description="first second to read")
        end: float | None = Field(None, gt=0, le=MAX_SECONDS, allow_inf_nan=False,
                                  description="stop at this second (exclusive)")
        stride: int = Field(1, ge=1, le=MAX_STRIDE, description="keep every N-th frame")
        threads: int = Field(0, ge=0, description="decoder threads (0 = FFmpeg's choice)")
        realtime: bool = Field(False, description="pace frames at the clip's own speed and treat it as a live "
                                                  "source (newest frame only, stale ones dropped): simulates a camera")
        hwaccel: HwAccel = Field("none", description="none, cuda or auto: decode on an NVIDIA GPU (NVDEC) as asked "
                                                     "or when usable; else the CPU, said in one log line")

        @model_validator(mode="after")
        def _end_after_start(self) -> VideoSource.Params:
            if self.end is not None and self.end <= self.start:
                raise ValueError(f"end ({self.end}) must be after start ({self.start})")
            return self

    def __init__(self, params: Params) -> None:
        self.params = params
        self.live = params.realtime
        self._container = None
        self._stream = None
        self.info: SourceInfo | None = None
        self.frames_read = 0
        self.stopped_early: str | None = None
        self._damage = Damage()
        self._decoded: Iterator[Any] = iter(())
        self._first = None
        self._turns = 0
        self._warnings: list[str] = []
        self._device = DecodeDevice(params.hwaccel, params.path)

    def input_paths(self) -> list[str]:
        return [self.params.path]

    def check(self) -> None:
        self.check_by_opening("source.path")

    def open(self) -> SourceInfo:
        import av

        path = Path(self.params.path)
        if not path.exists():
            raise SourceError(f"video not found: {path}")
        if not path.is_file():
            raise SourceError(f"not a file: {path}")
        if path.stat().st_size == 0:
            raise SourceError(f"not a video or corrupt: {path} (empty file)")
        try:
            self._container = self._device.open(str(path))
        except av.FFmpegError as exc:
            raise SourceError(f"not a video or corrupt: {path} ({exc})") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"not a video or corrupt: {path} (no video stream)")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        if self.params.threads:
            stream.codec_context.thread_count = self.params.threads
        self._stream = stream
        self._damage = Damage()
        self._decoded = self._device.frames(decode_skipping_damage(self._container, stream, self._damage),
                                            stream.codec_context)
        self._first = next(self._decoded, None)
        if self._first is None:
            self.close()
            why = self._damage.stopped or self._damage.first_error
            raise SourceError(f"not a video or corrupt: {path} (no frame decodes{': ' + why if why else ''})")
        self._turns = self._orientation(self._first.rotation)
        width, height = self._first.width, self._first.height
        fps = float(stream.average_rate or stream.guessed_rate or 30)
        self.info = SourceInfo(
            width=height if self._turns % 2 else width,
            height=width if self._turns % 2 else height,
            fps=fps / self.params.stride,
            total_frames=self._expected_frames(stream, fps),
            source_id=str(path),
            live=self.params.realtime,
        )
        return self.info

    def _orientation(self, rotation: float) -> int:
        """Quarter turns that show the frames upright; a rotation no player-like turn can apply
        is a warning, and the frames are then used as stored."""
        turns = quarter_turns(rotation)
        if turns is None:
            self._warn(f"{self.params.path}: display rotation of {rotation} degrees is not a multiple of 90; "
                       "frames are processed as stored")
            return 0
        if turns:
            log.info("%s: display rotation %s degrees: frames turned upright", self.params.path, rotation)
        return turns

    def _expected_frames(self, stream, fps: float) -> int | None:
        total = stream.frames or None
        if total is None and self._container.duration:
            total = int(round(self._container.duration / 1_000_000 * fps))
        if total is None:
            return None
        first = int(round(self.params.start * fps))
        last = total if self.params.end is None else min(total, int(round(self.params.end * fps)))
        return max(0, -(-(last - first) // self.params.stride))

    def __iter__(self) -> Iterator[Frame]:
        assert self._container is not None and self._stream is not None, "open() first"
        start, end, stride = self.params.start, self.params.end, self.params.stride
        frames = chain([self._first] if self._first is not None else [], self._decoded)
        self._first = None
        if start > 0:
            # Seeking flushes the decoder; the frame open() decoded lies before `start`, skipped below.
            self._container.seek(int(start / self._stream.time_base), stream=self._stream, backward=True)
        decoded = 0
        self.frames_read = 0
        clock: tuple[float, float] | None = None
        for frame in frames:
            pts = float(frame.time) if frame.time is not None else decoded / float(self._stream.average_rate or 30)
            if pts + 1e-6 < start:
                continue
            if end is not None and pts >= end - 1e-6:
                break
            if decoded % stride == 0:
                image = upright(to_bgr(frame), self._turns)
                captured = 0.0
                if self.params.realtime:
                    clock = clock or (time.monotonic(), pts)
                    captured = _pace(clock, pts)
                yield Frame(image=image, index=self.frames_read, pts_s=pts, source_id=self.info.source_id if self.info else "",
                            capture_time=captured)
                self.frames_read += 1
            decoded += 1
        if self._damage.stopped is not None:
            self._stop_early(decoded, self._damage.stopped)
        self._check_complete(self.frames_read)
        for line in self._damage_line():
            log.warning("%s", line)

    def warnings(self) -> list[str]:
        return [*self._warnings, *self._damage_line()]

    def _warn(self, line: str) -> None:
        self._warnings.append(line)
        log.warning("%s", line)

    def _damage_line(self) -> list[str]:
        skipped = self._damage.skipped_packets
        if not skipped:
            return []
        packets = f"{skipped} damaged packet{'s' if skipped != 1 else ''}"
        return [f"{self.params.path}: skipped {packets}; {self.frames_read} frames read"]

    def _stop_early(self, decoded: int, error: str) -> None:
        self.stopped_early = f"decoding stopped after {decoded} frames: {error}"
        log.warning("%s: %s; outputs cover the frames before the damage", self.params.path, self.stopped_early)

    def _check_complete(self, kept: int) -> None:
        expected = self.info.total_frames if self.info else None
        accounted = kept + self._damage.skipped_packets // self.params.stride
        if self.stopped_early is None and expected and accounted < expected * 0.98 - 1:
            self.stopped_early = f"video ended at frame {kept} of {expected} announced (truncated?)"
            log.warning("%s: %s; outputs cover the frames that were readable", self.params.path, self.stopped_early)

    def close(self) -> None:
        self._first = None
        self._decoded = iter(())  # the decode loop ends before its container closes
        if self._container is not None:
            self._container.close()
            self._container = None


def _pace(clock: tuple[float, float], pts: float) -> float:
    """Sleep until a frame's time on the wall clock (`clock` = wall time and pts of the first
    frame) and return that moment as its capture time."""
    start, first_pts = clock
    delay = start + (pts - first_pts) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    return time.monotonic()
