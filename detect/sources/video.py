"""Video files through PyAV: exact presentation times, threaded decode, truncation-tolerant.

With `realtime: true` a file behaves like a camera: frames come no faster than their
timestamps allow and the pipeline treats the source as live (newest frame only, stale frames
dropped and counted), which is how live behaviour is simulated and tested with a file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydantic import Field, model_validator

from detect.contract import Source
from detect.errors import ConfigError, SourceError
from detect.params import StageParams
from detect.registry import sources
from detect.types import Frame, SourceInfo

log = logging.getLogger(__name__)


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
        path: str = Field(description="video file")
        start: float = Field(0.0, ge=0, description="first second to read")
        end: float | None = Field(None, gt=0, description="stop at this second (exclusive)")
        stride: int = Field(1, ge=1, description="keep every N-th frame")
        threads: int = Field(0, ge=0, description="decoder threads (0 = FFmpeg's choice)")
        realtime: bool = Field(False, description="pace frames at the clip's own speed and treat it as a live "
                                                  "source (newest frame only, stale ones dropped): simulates a camera")

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

    def input_paths(self) -> list[str]:
        return [self.params.path]

    def check(self) -> None:
        path = Path(self.params.path)
        if not path.exists():
            raise ConfigError(f"source.path: video not found: {path}")
        if not path.is_file():
            raise ConfigError(f"source.path: not a file: {path}")

    def open(self) -> SourceInfo:
        import av

        path = Path(self.params.path)
        if not path.exists():
            raise SourceError(f"video not found: {path}")
        if not path.is_file():
            raise SourceError(f"not a file: {path}")
        try:
            self._container = av.open(str(path))
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
        fps = float(stream.average_rate or stream.guessed_rate or 30)
        self.info = SourceInfo(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=fps / self.params.stride,
            total_frames=self._expected_frames(stream, fps),
            source_id=str(path),
            live=self.params.realtime,
        )
        if self.info.width <= 0 or self.info.height <= 0:
            raise SourceError(f"not a video or corrupt: {path} (no picture size)")
        return self.info

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
        import av

        assert self._container is not None and self._stream is not None, "open() first"
        start, end, stride = self.params.start, self.params.end, self.params.stride
        if start > 0:
            self._container.seek(int(start / self._stream.time_base), stream=self._stream, backward=True)
        decoded = 0
        kept = 0
        clock: tuple[float, float] | None = None
        frames = self._container.decode(self._stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.FFmpegError as exc:
                if decoded == 0:
                    raise SourceError(f"not a video or corrupt: {self.params.path} (no frame decodes: {exc})") from None
                self._stop_early(decoded, exc)
                break
            pts = float(frame.time) if frame.time is not None else decoded / float(self._stream.average_rate or 30)
            if pts + 1e-6 < start:
                continue
            if end is not None and pts >= end - 1e-6:
                break
            if decoded % stride == 0:
                image = to_bgr(frame)
                captured = 0.0
                if self.params.realtime:
                    clock = clock or (time.monotonic(), pts)
                    captured = _pace(clock, pts)
                yield Frame(image=image, index=kept, pts_s=pts, source_id=self.info.source_id if self.info else "",
                            capture_time=captured)
                kept += 1
            decoded += 1
        self.frames_read = kept
        self._check_complete(kept)

    def _stop_early(self, decoded: int, exc: Exception) -> None:
        self.stopped_early = f"decoding stopped after {decoded} frames: {exc}"
        log.warning("%s: %s; outputs cover the frames before the damage", self.params.path, self.stopped_early)

    def _check_complete(self, kept: int) -> None:
        expected = self.info.total_frames if self.info else None
        if self.stopped_early is None and expected and kept < expected * 0.98 - 1:
            self.stopped_early = f"video ended at frame {kept} of {expected} announced (truncated?)"
            log.warning("%s: %s; outputs cover the frames that were readable", self.params.path, self.stopped_early)

    def close(self) -> None:
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
