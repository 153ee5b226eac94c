"""Cut the bundled sample clip ``sample_videos/highway.mp4`` from a real, MIT-licensed dashcam clip.

The source is Udacity's ``solidWhiteRight.mp4`` (CarND-LaneLines-P1, MIT, see
``sample_videos/README.md``), kept in ``../shared/data/videos`` as
``highway_udacity_solidWhiteRight.mp4``: 8.84 s of a US highway at 960x540 and 25 fps, seen
from the right lane, with cars in the lanes to the left and both lane lines visible. Its whole
length is used by default (it is shorter than the 10-15 s a demo wants, and every second of it
has traffic). The frames are decoded and re-encoded, not remuxed, so the sample is H.264
yuv420p with the index at the front (``+faststart``, a browser streams it) whatever the
source's layout, with timestamps starting at zero.

Usage (from the repository root)::

    python scripts/make_sample.py [--source ../shared/data/videos/highway_udacity_solidWhiteRight.mp4]
        [--start 0] [--end 8.84] [--crf 23] [--out sample_videos/highway.mp4]
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import numpy as np

DEFAULT_SOURCE = Path("../shared/data/videos/highway_udacity_solidWhiteRight.mp4")
DEFAULT_OUT = Path("sample_videos/highway.mp4")
PRESET = "slow"


def read_cut(source: Path, start_s: float, end_s: float | None) -> tuple[Iterator[np.ndarray], Fraction, tuple[int, int]]:
    """The frames of ``source`` whose timestamps lie in [start_s, end_s), with the stream's rate and size."""
    container = av.open(str(source))
    stream = container.streams.video[0]
    rate = stream.average_rate or Fraction(25)
    size = (stream.codec_context.width, stream.codec_context.height)

    def frames() -> Iterator[np.ndarray]:
        with container:
            for frame in container.decode(stream):
                t = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
                if t < start_s - 1e-6:
                    continue
                if end_s is not None and t >= end_s - 1e-6:
                    break
                yield frame.to_ndarray(format="yuv420p")

    return frames(), Fraction(rate), size


def encode(frames: Iterator[np.ndarray], out: Path, rate: Fraction, size: tuple[int, int], crf: int) -> int:
    """H.264/yuv420p mp4 at the source's constant rate, written under a staging name and renamed."""
    tmp = out.with_name(f".{out.name}.partial")
    count = 0
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = 1 / rate
            stream.codec_context.options = {"crf": str(crf), "preset": PRESET}
            for image in frames:
                frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
                frame.pts = count
                frame.time_base = 1 / rate
                container.mux(stream.encode(frame))
                count += 1
            container.mux(stream.encode(None))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the Udacity clip to cut from")
    parser.add_argument("--start", type=float, default=0.0, help="first second kept")
    parser.add_argument("--end", type=float, default=None, help="stop before this second (default: the end)")
    parser.add_argument("--crf", type=int, default=23, help="x264 quality (lower = better, bigger)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output mp4 path")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.source.is_file():
        raise SystemExit(f"source clip not found: {args.source} (see sample_videos/README.md)")
    frames, rate, size = read_cut(args.source, args.start, args.end)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    count = encode(frames, args.out, rate, size, args.crf)
    if count == 0:
        args.out.unlink(missing_ok=True)
        raise SystemExit(f"no frame of {args.source} lies in [{args.start}, {args.end})")
    print(f"wrote {args.out}: {count} frames at {rate} fps, {size[0]}x{size[1]}, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
