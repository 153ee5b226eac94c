"""Build the bundled sample clip ``sample_videos/city_drive.mp4``.

The project ships no third-party video clips. The only photos it can bundle
are the two inside the ``ultralytics`` wheel (``ultralytics/assets/bus.jpg`` and
``zidane.jpg``), which are AGPL-3.0 like ultralytics itself and this project.

A still photo gives a tracker nothing to do, so this script films each photo
with a virtual 16:9 camera: the crop window pans and slowly zooms with smooth
easing, plus a little handheld jitter drawn from a fixed seed. The people and
the bus therefore drift across the frame slowly enough for a tracker to keep
stable ids. The two scenes are joined with a hard cut (a crossfade gives the
detector ghosted, half-transparent people). The output is deterministic for a
given set of arguments and ultralytics assets.

Usage::

    python scripts/make_sample.py [--out sample_videos/city_drive.mp4] \
        [--fps 30] [--seconds-per-photo 6]
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from importlib.resources import as_file, files
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np

OUT_W, OUT_H = 640, 360
ASPECT = OUT_W / OUT_H
SEED = 20240611
JITTER_PX = 2.5
CRF = 26
PRESET = "slow"
DEFAULT_OUT = Path("sample_videos/city_drive.mp4")


@dataclass(frozen=True)
class Window:
    """Camera window in photo pixels: centre and width (height follows 16:9)."""

    cx: float
    cy: float
    width: float

    @property
    def height(self) -> float:
        return self.width / ASPECT


@dataclass(frozen=True)
class Shot:
    """One photo and the camera move across it, from ``start`` to ``end``."""

    photo: str
    start: Window
    end: Window


SHOTS: tuple[Shot, ...] = (
    Shot("bus.jpg", Window(490, 590, 640), Window(405, 640, 790)),
    Shot("zidane.jpg", Window(880, 280, 800), Window(480, 300, 960)),
)


def load_photo(name: str) -> np.ndarray:
    """Read a photo from the installed ultralytics package's ``assets`` folder."""
    with as_file(files("ultralytics") / "assets" / name) as path:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read ultralytics/assets/{name}")
    return image


def ease(t: float) -> float:
    """Cosine ease-in-out on [0, 1]."""
    return 0.5 - 0.5 * math.cos(math.pi * t)


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


class Scene:
    """Renders frame ``i`` of one shot; a pure function of ``i``."""

    def __init__(self, shot: Shot, photo: np.ndarray, n_frames: int, fps: float,
                 rng: np.random.Generator) -> None:
        self.shot = shot
        self.photo = photo
        self.n_frames = n_frames
        self.fps = fps
        self.freqs = rng.uniform(0.2, 1.1, size=(2, 3))
        self.phases = rng.uniform(0.0, 2.0 * math.pi, size=(2, 3))
        self.weights = rng.uniform(0.5, 1.0, size=(2, 3))

    def jitter(self, i: int) -> tuple[float, float]:
        """Smooth handheld shake in output pixels, about +-JITTER_PX."""
        t = i / self.fps
        waves = self.weights * np.sin(2.0 * math.pi * self.freqs * t + self.phases)
        dx, dy = JITTER_PX * waves.sum(axis=1) / self.weights.sum(axis=1)
        return float(dx), float(dy)

    def window(self, i: int) -> Window:
        """Eased camera window for frame ``i``, shaken and kept inside the photo."""
        t = ease(i / max(self.n_frames - 1, 1))
        start, end = self.shot.start, self.shot.end
        width = lerp(start.width, end.width, t)
        dx, dy = self.jitter(i)
        scale = width / OUT_W
        cx = lerp(start.cx, end.cx, t) + dx * scale
        cy = lerp(start.cy, end.cy, t) + dy * scale
        return clamp(Window(cx, cy, width), self.photo.shape[1], self.photo.shape[0])

    def render(self, i: int) -> np.ndarray:
        win = self.window(i)
        s = OUT_W / win.width
        matrix = np.array([
            [s, 0.0, -(win.cx - win.width / 2) * s],
            [0.0, s, -(win.cy - win.height / 2) * s],
        ])
        return cv2.warpAffine(self.photo, matrix, (OUT_W, OUT_H), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)


def clamp(win: Window, photo_w: int, photo_h: int) -> Window:
    """Shrink and shift ``win`` so it lies fully inside the photo (no borders)."""
    width = min(win.width, photo_w, photo_h * ASPECT)
    half_w, half_h = width / 2, width / ASPECT / 2
    cx = min(max(win.cx, half_w), photo_w - half_w)
    cy = min(max(win.cy, half_h), photo_h - half_h)
    return Window(cx, cy, width)


def compose(scenes: list[Scene]) -> Iterator[np.ndarray]:
    """Play the scenes back to back, joined by hard cuts."""
    for scene in scenes:
        for i in range(scene.n_frames):
            yield scene.render(i)


def encode(frames: Iterator[np.ndarray], out: Path, fps: int) -> int:
    """Write H.264/yuv420p mp4 at constant ``fps`` to a temp file, then rename."""
    tmp = out.with_name(f".{out.name}.partial")
    try:
        count = write_mp4(frames, tmp, fps)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def write_mp4(frames: Iterator[np.ndarray], path: Path, fps: int) -> int:
    count = 0
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = OUT_W, OUT_H
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {"crf": str(CRF), "preset": PRESET}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            frame.pts = count
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return count


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output mp4 path")
    parser.add_argument("--fps", type=int, default=30, help="constant frame rate")
    parser.add_argument("--seconds-per-photo", type=float, default=6.0,
                        help="length of each photo's scene")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    n_frames = round(args.fps * args.seconds_per_photo)
    if args.fps <= 0 or n_frames < 2:
        raise SystemExit("--fps and --seconds-per-photo must give at least 2 frames a photo")
    rng = np.random.default_rng(SEED)
    scenes = [Scene(shot, load_photo(shot.photo), n_frames, args.fps, rng) for shot in SHOTS]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    count = encode(compose(scenes), args.out, args.fps)
    print(f"wrote {args.out}: {count} frames, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
