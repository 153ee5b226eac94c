"""`record`: continuous recording in segments that survive a crash, with retention.

Segments are `{path}/{stream}/YYYY-MM-DD/HH-MM-SS.mp4`, named by the wall-clock time of their
first frame, each `segment_s` long. The open segment is written as a fragmented mp4 under a
hidden staging name (`.HH-MM-SS.mp4.partial`) and renamed into place when the next one starts.
Measured after SIGKILL (README, "Recording"): a fragmented segment keeps everything up to its
last one-second fragment, a plain mp4 keeps nothing (its index is written at the end), so short
plain segments would have to be about a second long to lose as little. A segment left open by a
killed run is renamed into place when the next run starts.

Retention runs when a segment closes: segments older than `keep_days`, then the oldest until
the stream's folder fits `max_gb`; the open segment is never touched.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from pydantic import Field

from detect.contract import Sink
from detect.gpu_video import X264, Encoder, choose_encoder
from detect.params import StageParams, path_field
from detect.redaction import redact_text
from detect.registry import sinks
from detect.sinks.h264_file import H264File, WallClock, even_size, file_rate, to_yuv420
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)
PARTIAL = ".partial"


@sinks.register("record")
class RecordSink(Sink):
    """Crash-safe H.264 segments of the camera's frames, with retention by age and size."""

    class Params(StageParams):
        path: str = path_field(description="folder of recordings (one subfolder per stream, then per day)")
        stream: str = Field("camera", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="this camera's folder name")
        segment_s: float = Field(60.0, ge=1, le=3600, description="length of one segment file")
        keep_days: float | None = Field(None, gt=0, description="delete segments older than this")
        max_gb: float | None = Field(None, gt=0, description="delete the oldest segments beyond this total size")
        annotated: bool = Field(False, description="record the annotated picture instead of the camera's")
        crf: int = Field(23, ge=0, le=51, description="x264 quality (lower = better, bigger)")
        preset: str = Field("veryfast", pattern="^(ultrafast|superfast|veryfast|faster|fast|medium|slow)$",
                            description="x264 speed/size trade-off")
        encoder: Encoder = Field("libx264", description="libx264, h264_nvenc (NVIDIA GPU; crf and preset mapped) or "
                                                        "auto (NVENC when usable); else libx264, said in one log line")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.folder = Path(params.path) / params.stream
        self._file: H264File | None = None
        self._final: Path | None = None
        self._started_pts = 0.0
        self._clock = WallClock()
        self._size = (0, 0)
        self._fps = 30.0
        self._encoder = X264
        self.closed_segments: list[Path] = []
        self.deleted: list[Path] = []

    def outputs(self) -> list[str]:
        return [redact_text(str(self.folder))]

    def open(self, info: SourceInfo) -> None:
        self._size = even_size(info.width, info.height)
        self._fps = info.fps
        self._encoder = choose_encoder(self.params.encoder, self._size, file_rate(self._fps),
                                       f"sink record {self.folder}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._recover()
        self._apply_retention()

    def write(self, packet: Packet) -> None:
        t = packet.frame.pts_s
        self._clock.start(t)
        if self._file is not None and (t - self._started_pts >= self.params.segment_s or t < self._started_pts):
            self._close_segment()
        if self._file is None:
            self._open_segment(t)
        image = packet.canvas if self.params.annotated and packet.canvas is not None else packet.frame.image
        assert self._file is not None
        self._file.write(to_yuv420(image, self._size), t)

    def close(self) -> None:
        self._close_segment()

    def _open_segment(self, pts: float) -> None:
        start = self._clock.at(pts)
        final = self.folder / start.strftime("%Y-%m-%d") / f"{start.strftime('%H-%M-%S')}.mp4"
        n = 1
        while final.exists() or _staging(final).exists():
            final = final.with_name(f"{start.strftime('%H-%M-%S')}-{n}.mp4")
            n += 1
        self._final = final
        self._started_pts = pts
        self._file = H264File(_staging(final), self._size, self._fps, self.params.crf, self.params.preset,
                              fragmented=True, encoder=self._encoder)

    def _close_segment(self) -> None:
        file, self._file = self._file, None
        if file is None or self._final is None:
            return
        try:
            file.close()
        finally:
            if file.frames:
                os.replace(file.path, self._final)
                self.closed_segments.append(self._final)
            else:
                file.path.unlink(missing_ok=True)
        self._apply_retention()

    def _recover(self) -> None:
        """Segments a killed run left open: fragmented, so playable up to their last fragment."""
        for staged in sorted(self.folder.glob(f"*/.*.mp4{PARTIAL}")):
            final = staged.with_name(staged.name[1:-len(PARTIAL)])
            if staged.stat().st_size == 0 or final.exists():
                staged.unlink()
                continue
            os.replace(staged, final)
            log.warning("record: %s was left open by a run that did not finish; kept as it was written",
                        redact_text(str(final)))

    def _apply_retention(self) -> None:
        segments = sorted(self.folder.glob("*/*.mp4"))
        if self.params.keep_days is not None:
            cutoff = time.time() - self.params.keep_days * 86400
            old = [s for s in segments if s.stat().st_mtime < cutoff]
            self._delete(old)
            segments = [s for s in segments if s not in old]
        if self.params.max_gb is not None:
            budget = self.params.max_gb * 1e9
            sizes = [s.stat().st_size for s in segments]
            total = sum(sizes)
            excess = []
            for segment, size in zip(segments, sizes):
                if total <= budget:
                    break
                excess.append(segment)
                total -= size
            self._delete(excess)

    def _delete(self, segments: list[Path]) -> None:
        for segment in segments:
            segment.unlink(missing_ok=True)
            self.deleted.append(segment)
            log.info("record: retention deleted %s", redact_text(str(segment)))
            day = segment.parent
            if day != self.folder and not any(day.iterdir()):
                day.rmdir()


def _staging(final: Path) -> Path:
    return final.with_name(f".{final.name}{PARTIAL}")
