"""What a SIGKILL leaves of an mp4 being written: fragmented (the record sink's open segment) vs plain.

A child process writes 640x480 frames at about 25 fps through detect.sinks.h264_file.H264File
and prints each frame it handed over; it is killed with SIGKILL after a few seconds and the file
is decoded with PyAV. A plain mp4 writes its index (moov) only when closed, so nothing of it
plays; a fragmented one keeps everything up to its last complete fragment (one second).

    python scripts/bench_crash_mp4.py
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def write_forever(path: Path, fragmented: bool) -> None:
    from detect.sinks.h264_file import H264File, to_yuv420

    video = H264File(path, (640, 480), 25, fragmented=fragmented)
    rng = np.random.default_rng(0)
    for i in range(10**6):
        image = np.full((480, 640, 3), 60, np.uint8)
        image[100:200, (i * 4) % 600:(i * 4) % 600 + 40] = 255
        image[300:310] = rng.integers(0, 255, (10, 640, 3), dtype=np.uint8)
        video.write(to_yuv420(image, (640, 480)), i / 25)
        print(i, flush=True)
        time.sleep(0.01)


def killed_after(seconds: float, fragmented: bool, folder: Path) -> tuple[int, int | str]:
    """(frames handed to the writer, frames that decode) after a SIGKILL at `seconds`."""
    import av

    path = folder / f"{'fragmented' if fragmented else 'plain'}.mp4"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, __file__, "--write", str(path)] + (["--fragmented"] if fragmented else []),
                             stdout=subprocess.PIPE, text=True, env=env)
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    lines = child.stdout.read().split()
    child.wait()
    try:
        with av.open(str(path)) as container:
            decoded: int | str = sum(1 for _ in container.decode(video=0))
    except av.error.FFmpegError as exc:
        decoded = f"nothing ({type(exc).__name__})"
    return (int(lines[-1]) + 1 if lines else 0), decoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fragmented", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--after", nargs="+", type=float, default=[3.3, 7.7], help="seconds before the kill")
    args = parser.parse_args()
    if args.write:
        write_forever(args.write, args.fragmented)
        return
    print("| mp4 | killed after | frames written | frames that play |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for fragmented in (True, False):
            for seconds in args.after:
                written, decoded = killed_after(seconds, fragmented, Path(folder))
                print(f"| {'fragmented' if fragmented else 'plain'} | {seconds} s | {written} | {decoded} |", flush=True)


if __name__ == "__main__":
    main()
