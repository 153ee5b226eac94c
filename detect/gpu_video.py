"""Video decoding (NVDEC) and encoding (NVENC) on an NVIDIA GPU through PyAV, or on the CPU.

Both are options (`hwaccel` on the video source, `encoder` on the video, record and clips sinks),
off by default. Whatever is asked, the run goes on: when the GPU cannot take the work (no
NVIDIA driver, no device, an FFmpeg built without CUDA, a codec NVDEC does not know, NVENC out
of sessions or refusing the size) the CPU does it, and exactly one log line per source or sink
says which and why: INFO for `auto` (a quiet preference), WARNING for an explicit `cuda` or
`h264_nvenc` (the user asked for the GPU and did not get it). When the GPU does the work, one
INFO line says so (`scripts/gpu_check.sh` looks for it).

What the rest of the pipeline sees does not change: frames decoded on the GPU are copied back
to system memory and given the CPU decoder's layout (yuv420p for 8-bit 4:2:0), and NVENC
writes the same H.264 yuv420p stream x264 does, at the same size, rate and frame count.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Iterator
from typing import Any, Literal

log = logging.getLogger(__name__)

HwAccel = Literal["none", "auto", "cuda"]
Encoder = Literal["libx264", "h264_nvenc", "auto"]

NVENC = "h264_nvenc"
X264 = "libx264"
NVENC_PRESETS = {"ultrafast": "p1", "superfast": "p1", "veryfast": "p2", "faster": "p3", "fast": "p4",
                 "medium": "p4", "slow": "p5", "slower": "p6", "veryslow": "p7"}
"""x264's speed/size names -> NVENC's p1 (fastest) .. p7 (smallest), so one `preset` serves both."""
GPU_FRAME_LAYOUTS = {"nv12": "yuv420p"}
"""What a frame copied back from NVDEC is converted to: the layout FFmpeg's CPU decoder gives for
the same stream (NVDEC hands 8-bit 4:2:0 back as NV12). Other layouts (p010 for 10-bit) are left
to the source's own conversion, as a CPU-decoded 10-bit frame is."""


@functools.cache
def cuda_problem() -> str | None:
    """Why FFmpeg cannot use a CUDA device in this process, or None when it can (asked once)."""
    import av

    try:
        from av.codec.hwaccel import HWAccel, hwdevices_available
    except ImportError:
        return f"PyAV {av.__version__} has no hardware acceleration API (PyAV 14 or later has)"
    if "cuda" not in hwdevices_available():
        return f"this FFmpeg (PyAV {av.__version__}) was built without CUDA"
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return "no NVIDIA driver (libcuda.so.1 cannot be loaded)"
    try:
        HWAccel("cuda", options={"primary_ctx": "1"}).create(av.Codec("h264", "r"))
    except (av.FFmpegError, NotImplementedError) as exc:
        return f"no usable CUDA device ({exc})"
    return None


def _say(explicit: bool, line: str, *args: object) -> None:
    """The one fallback line: a warning when the GPU was asked for by name, else information."""
    log.log(logging.WARNING if explicit else logging.INFO, line, *args)


class DecodeDevice:
    """Where one file is decoded: opens it on NVDEC when `hwaccel` allows and the GPU can, and
    says once, at the first frame, where its frames are decoded."""

    def __init__(self, hwaccel: HwAccel, where: str) -> None:
        self.hwaccel = hwaccel
        self.where = where
        self.on_gpu = False
        self._asked = False
        """The container was opened with a CUDA device; the first frame tells whether it is used."""

    def open(self, path: str) -> Any:
        """`av.open(path)` with the CUDA device attached when wanted and usable. A file that does not
        open is the caller's error, reported as it is without a GPU."""
        import av

        self.on_gpu = self._asked = False
        if self.hwaccel == "none":
            return av.open(path)
        problem = cuda_problem()
        if problem is not None:
            _say(self.hwaccel == "cuda", "%s: hwaccel %s: %s; decoding on the CPU", self.where, self.hwaccel, problem)
            return av.open(path)
        from av.codec.hwaccel import HWAccel

        try:
            container = av.open(path, hwaccel=HWAccel("cuda", options={"primary_ctx": "1"}))
        except av.FFmpegError as exc:
            container = av.open(path)  # raises the file's own error when the file is the problem
            _say(self.hwaccel == "cuda", "%s: hwaccel %s: NVDEC did not start (%s); decoding on the CPU",
                 self.where, self.hwaccel, exc)
            return container
        self._asked = True
        return container

    def frames(self, decoded: Iterator[Any], codec_context: Any) -> Iterator[Any]:
        """`decoded` (av.VideoFrame) in the CPU decoder's layout; the first one settles the log line."""
        first = True
        for frame in decoded:
            if first:
                first = False
                self._report(codec_context)
            yield to_cpu_layout(frame) if self.on_gpu else frame

    def _report(self, codec_context: Any) -> None:
        if not self._asked:
            return
        explicit = self.hwaccel == "cuda"
        if not codec_context.is_hwaccel:
            _say(explicit, "%s: hwaccel %s: NVDEC cannot decode %s; decoding on the CPU", self.where, self.hwaccel,
                 codec_context.name)
        elif codec_context.pix_fmt != "cuda":
            # FFmpeg chose the CPU decoder for this stream (a profile or size NVDEC refuses).
            _say(explicit, "%s: hwaccel %s: NVDEC refused this %s stream (%s); decoding on the CPU", self.where,
                 self.hwaccel, codec_context.name, codec_context.pix_fmt)
        else:
            self.on_gpu = True
            log.info("%s: decoding on the GPU (NVDEC, %s)", self.where, codec_context.name)


def to_cpu_layout(frame: Any) -> Any:
    """A frame copied back from NVDEC in the layout the CPU decoder gives (pts and time kept)."""
    target = GPU_FRAME_LAYOUTS.get(frame.format.name)
    return frame.reformat(format=target) if target else frame


def nvenc_problem(size: tuple[int, int], rate: Any) -> str | None:
    """Why NVENC cannot encode `size` frames now, or None: a trial encoder is opened and closed
    (not cached: sessions are a per-GPU budget other programs share)."""
    import av

    if NVENC not in av.codecs_available:
        return f"this FFmpeg (PyAV {av.__version__}) has no {NVENC}"
    problem = cuda_problem()
    if problem is not None:
        return problem
    trial = av.CodecContext.create(NVENC, "w")
    trial.width, trial.height = size
    trial.pix_fmt = "yuv420p"
    trial.framerate = rate
    trial.time_base = 1 / rate
    try:
        trial.open()
    except av.FFmpegError as exc:
        return f"{NVENC} cannot open at {size[0]}x{size[1]} ({exc})"
    finally:
        del trial  # freed now (CPython), which ends the trial's NVENC session before the real one opens
    return None


def choose_encoder(encoder: Encoder, size: tuple[int, int], rate: Any, where: str) -> str:
    """The H.264 encoder a sink uses for its whole run, and its one log line when the GPU was in question."""
    if encoder == X264:
        return X264
    problem = nvenc_problem(size, rate)
    if problem is not None:
        _say(encoder == NVENC, "%s: encoder %s: %s; encoding with %s", where, encoder, problem, X264)
        return X264
    log.info("%s: encoding with %s (GPU)", where, NVENC)
    return NVENC


def encoder_options(encoder: str, crf: int, preset: str, low_delay: bool = False) -> dict[str, str]:
    """Codec options for `encoder` from the sinks' x264 terms: `crf` is NVENC's constant-quality
    level (`cq`, the same 0-51 scale; NVENC's 0 means 'automatic', so crf 0 is cq 1), `preset`
    maps to p1-p7; `low_delay` (fragmented files: few frames held inside the encoder) turns
    B-frames off on both; NVENC makes forced keyframes IDR frames, as x264 does."""
    if encoder == X264:
        options = {"crf": str(crf), "preset": preset}
        if low_delay:
            options["x264-params"] = "rc-lookahead=5:bframes=0"
        return options
    options = {"rc": "vbr", "cq": str(max(1, crf)), "preset": NVENC_PRESETS[preset], "forced-idr": "1"}
    if low_delay:
        options["bf"] = "0"
    return options
