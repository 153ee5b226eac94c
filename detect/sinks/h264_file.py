"""One H.264 mp4 written frame by frame, for sinks that write many files (`record`, `clips`).

Browser-playable H.264/yuv420p through PyAV's libx264 (or NVENC, chosen once per sink:
gpu_video.choose_encoder), timestamps in milliseconds from the
frames' own `pts_s` (so a live run that dropped frames still plays at real speed). `fragmented`
writes a fragmented mp4 (`frag_keyframe+empty_moov+default_base_moof`, a keyframe every second,
x264 with a short lookahead and no B-frames so few frames wait inside the encoder, packets
flushed as they are muxed; not `zerolatency`, whose sliced threads encode each frame in the
writer thread and cost 13-26 % of a run's fps): everything up to the last complete fragment stays playable if the process dies, where a plain mp4 without its `moov` index plays nothing.
"""

from __future__ import annotations

import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from detect.gpu_video import X264, encoder_options

FRAGMENTED_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
MS = Fraction(1, 1000)
KEYFRAME_S = 1.0
KEYFRAME_MS = round(KEYFRAME_S * 1000)
"""A keyframe every second of source time (not every N frames: a live source that drops frames
would stretch a frame-counted GOP), so a fragment, and what a crash can lose, is about a second."""


def even_size(width: int, height: int) -> tuple[int, int]:
    """4:2:0 needs even dimensions."""
    return width - width % 2, height - height % 2


def fit_frame(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` at `size` (even, for 4:2:0): an odd last row/column cropped; a frame of another
    size (after a reconnect, images of mixed sizes) letterboxed: scaled to fit, its aspect kept,
    black around, never stretched."""
    w, h = size
    ih, iw = image.shape[:2]
    if iw == w and ih == h:
        return image
    if iw >= w and ih >= h and iw - w <= 1 and ih - h <= 1:
        return np.ascontiguousarray(image[:h, :w])
    import cv2

    gain = min(w / iw, h / ih)
    nw, nh = min(w, max(1, round(iw * gain))), min(h, max(1, round(ih * gain)))
    scaled = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    top, left = (h - nh) // 2, (w - nw) // 2
    return cv2.copyMakeBorder(scaled, top, h - nh - top, left, w - nw - left, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def file_rate(fps: float) -> Fraction:
    """The stream's nominal rate for `fps` (29.97 as 30000/1001)."""
    return Fraction(fps).limit_denominator(1001)


def to_yuv420(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """BGR -> I420 at `size` (see fit_frame)."""
    import cv2

    return cv2.cvtColor(fit_frame(image, size), cv2.COLOR_BGR2YUV_I420)


class WallClock:
    """Source time -> local wall-clock time, anchored at the first frame: files named by time
    (segments, clips) follow the frames' own pts, so a file run and a live run name alike."""

    def __init__(self) -> None:
        self._anchor: tuple[float, float] | None = None

    def start(self, pts_s: float) -> None:
        if self._anchor is None:
            self._anchor = (time.time(), pts_s)

    def at(self, pts_s: float) -> datetime:
        wall0, pts0 = self._anchor or (time.time(), pts_s)
        return datetime.fromtimestamp(wall0 + (pts_s - pts0))


class H264File:
    """An open mp4 at `path`; `write(yuv, pts_s)` then `close()` (which finishes the file)."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int = 23, preset: str = "veryfast",
                 fragmented: bool = False, encoder: str = X264) -> None:
        import av

        path.parent.mkdir(parents=True, exist_ok=True)
        options = {"movflags": FRAGMENTED_MOVFLAGS, "flush_packets": "1"} if fragmented else {"movflags": "+faststart"}
        self.path = path
        self._container = av.open(str(path), mode="w", format="mp4", options=options)
        rate = file_rate(fps)
        stream = self._container.add_stream(encoder, rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = MS
        stream.codec_context.gop_size = max(1, round(fps * KEYFRAME_S * 10))
        # fragmented: few frames held back in the encoder, so a crash loses about one fragment
        stream.codec_context.options = encoder_options(encoder, crf, preset, low_delay=fragmented)
        self._stream = stream
        self._first: float | None = None
        self._last = -1
        self._last_key = -KEYFRAME_MS
        self.frames = 0

    def write(self, yuv: np.ndarray, pts_s: float) -> None:
        import av

        if self._first is None:
            self._first = pts_s
        pts = max(self._last + 1, round((pts_s - self._first) * 1000))
        self._last = pts
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts, frame.time_base = pts, MS
        if pts - self._last_key >= KEYFRAME_MS:
            frame.pict_type = av.video.frame.PictureType.I
            self._last_key = pts
        self._container.mux(self._stream.encode(frame))
        self.frames += 1

    @property
    def seconds(self) -> float:
        """Span of the frames written so far."""
        return max(0, self._last) / 1000

    def close(self) -> None:
        container, self._container = self._container, None
        if container is None:
            return
        try:
            if self.frames:
                container.mux(self._stream.encode(None))
        finally:
            container.close()
