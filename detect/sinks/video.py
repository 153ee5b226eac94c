"""Browser-playable H.264 mp4 through PyAV, renamed into place only once complete."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from pydantic import Field

from detect.gpu_video import Encoder, choose_encoder, encoder_options
from detect.params import StageParams, path_field
from detect.registry import sinks
from detect.sinks.base import FileSink, staging_path
from detect.sinks.h264_file import even_size, to_yuv420
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)


LIVE_TIME_BASE = Fraction(1, 1000)


@sinks.register("video")
class VideoSink(FileSink):
    """H.264/yuv420p mp4 (libx264, or NVENC, via PyAV): files keep frame count and rate; live keeps real time."""

    class Params(StageParams):
        path: str = path_field(description="output .mp4 file")
        crf: int = Field(23, ge=0, le=51, description="x264 quality (lower = better, bigger)")
        preset: str = Field("veryfast", pattern="^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$",
                            description="x264 speed/size trade-off")
        threads: int = Field(0, ge=0, le=64, description="encoder threads (0 = x264's choice)")
        encoder: Encoder = Field("libx264", description="libx264, h264_nvenc (NVIDIA GPU; crf and preset mapped) or "
                                                        "auto (NVENC when usable); else libx264, said in one log line")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.path = Path(params.path)
        self._container = None
        self._stream = None
        self._size: tuple[int, int] = (0, 0)
        self.frames_written = 0

    def open(self, info: SourceInfo) -> None:
        import av

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = staging_path(self.path)
        self._container = av.open(str(self._tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = info.fps_fraction
        self._size = even_size(info.width, info.height)
        encoder = choose_encoder(self.params.encoder, self._size, rate, f"sink video {self.path}")
        stream = self._container.add_stream(encoder, rate=rate)
        stream.width, stream.height = self._size
        stream.pix_fmt = "yuv420p"
        self._live = info.live
        stream.codec_context.time_base = LIVE_TIME_BASE if info.live else Fraction(1) / rate
        self._first_pts: float | None = None
        self._last_pts = -1
        stream.codec_context.options = encoder_options(encoder, self.params.crf, self.params.preset)
        if self.params.threads:
            stream.codec_context.thread_count = self.params.threads
        self._stream = stream
        self.frames_written = 0

    def write(self, packet: Packet) -> None:
        import av

        image = packet.canvas if packet.canvas is not None else packet.frame.image
        yuv = to_yuv420(image, self._size)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self._pts(packet.frame.pts_s)
        frame.time_base = self._stream.codec_context.time_base
        self._container.mux(self._stream.encode(frame))
        self.frames_written += 1

    def _pts(self, pts_s: float) -> int:
        """Files: one tick per frame (same rate as the input). Live: the frame's own clock in ms,
        so a run that dropped stale frames still plays at real speed."""
        if not self._live:
            return self.frames_written
        if self._first_pts is None:
            self._first_pts = pts_s
        pts = max(self._last_pts + 1, round((pts_s - self._first_pts) * 1000))
        self._last_pts = pts
        return pts

    def close(self) -> None:
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            try:
                if self.frames_written:
                    container.mux(self._stream.encode(None))
            finally:
                container.close()
        except Exception:
            self._tmp.unlink(missing_ok=True)
            raise
        if self.frames_written or self.failed:
            self.publish(self._tmp, self.frames_written)
        else:
            self._tmp.unlink(missing_ok=True)
            log.warning("no frames were written; %s not created", self.path)
