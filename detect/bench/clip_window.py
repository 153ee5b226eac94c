"""A clip's `frames:` cap as the video source's `end:` second (the source cuts by time, not by count)."""

from __future__ import annotations

import math

from detect.bench.spec import ClipSpec
from detect.errors import SourceError

HALF_FRAME = 0.5
"""The end falls half a frame after the last wanted frame, so rounding in timestamps cannot drop or add one."""


def source_end(clip: ClipSpec) -> float | None:
    """The exclusive end second that keeps at most `clip.frames` frames from `clip.start` (and not past `clip.end`)."""
    if clip.frames is None:
        return clip.end
    fps, first_pts = video_timing(clip.path)
    first = math.ceil((clip.start - first_pts) * fps - 1e-6) if clip.start > first_pts else 0
    end = first_pts + (first + clip.frames - HALF_FRAME) / fps
    return end if clip.end is None else min(end, clip.end)


def video_timing(path: str) -> tuple[float, float]:
    """(frames per second, time of the first frame) from the container, without decoding."""
    import av

    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
    except (av.FFmpegError, IndexError) as exc:
        raise SourceError(f"cannot read the frame rate of {path}: {exc}") from None
    if fps <= 0:
        raise SourceError(f"{path}: no frame rate in the container; use `end:` seconds instead of `frames:`")
    return fps, start
