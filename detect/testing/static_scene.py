"""A static-camera video with empty stretches, made from a real sequence, plus its ground truth.

The shared tracking sequences (PETS09-S2L1, TUD-Stadtmitte, MOT16-11) show people in every
frame, but a parked camera mostly watches nothing. This builds such a scene honestly from the
same camera: the empty view is the per-pixel median of frames spread over the sequence (people
walk on, the background stays), shown with Gaussian sensor noise so no two empty frames are
equal, and stretches of the real frames are cut in between. The MOTChallenge ground truth is
renumbered to the new frames (empty frames have none), so `detect eval` scores a run on it.

    python -m detect.testing.static_scene ../shared/data/tracking/PETS09-S2L1 out/ \\
        --plan empty:70 frames:0:100 empty:300 frames:300:400
"""

from __future__ import annotations

import argparse
import configparser
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detect.sinks.h264_file import H264File, even_size, to_yuv420


@dataclass(frozen=True)
class Stretch:
    """`empty` frames of background, or the real frames `start` to `stop` (0-based, exclusive, within
    the sequence: repeat a stretch to loop)."""

    empty: int = 0
    start: int = 0
    stop: int = 0

    @classmethod
    def parse(cls, text: str) -> Stretch:
        kind, *numbers = text.split(":")
        if kind == "empty" and len(numbers) == 1:
            return cls(empty=int(numbers[0]))
        if kind == "frames" and len(numbers) == 2:
            return cls(start=int(numbers[0]), stop=int(numbers[1]))
        raise ValueError(f"a stretch is empty:N or frames:START:STOP, not {text!r}")


def sequence_fps(sequence: Path) -> float:
    info = configparser.ConfigParser()
    info.read(sequence / "seqinfo.ini")
    return float(info["Sequence"]["frameRate"])


def sequence_length(sequence: Path) -> int:
    info = configparser.ConfigParser()
    info.read(sequence / "seqinfo.ini")
    return int(info["Sequence"]["seqLength"])


def read_frames(video: Path, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
    """Frames `start` to `stop` (exclusive), decoded as they are needed (a whole 1080p sequence
    would not fit in memory)."""
    import av

    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if stop is not None and i >= stop:
                return
            if i >= start:
                yield frame.to_ndarray(format="bgr24")


def median_picks(length: int, samples: int = 61) -> list[int]:
    """Frames spread over the sequence whose per-pixel median is the empty scene."""
    return sorted(set(np.linspace(0, length - 1, min(samples, length)).round().astype(int).tolist()))


def empty_view(video: Path, length: int) -> np.ndarray:
    """The per-pixel median of frames spread over the sequence: people walk on, the background stays."""
    picks = set(median_picks(length))
    frames = [image for i, image in enumerate(read_frames(video)) if i in picks]
    return np.median(np.stack(frames), axis=0).astype(np.uint8)


def scene_frames(video: Path, length: int, plan: list[Stretch], noise: float,
                 seed: int = 0) -> Iterator[tuple[np.ndarray, int]]:
    """(picture, original frame index or -1 for an empty one) in the plan's order."""
    empty = empty_view(video, length).astype(np.float32) if any(s.empty for s in plan) else None
    rng = np.random.default_rng(seed)
    for stretch in plan:
        for _ in range(stretch.empty):
            assert empty is not None
            noisy = empty + rng.normal(0, noise, empty.shape).astype(np.float32)
            yield np.clip(noisy, 0, 255).astype(np.uint8), -1
        if stretch.stop > stretch.start:
            for i, image in enumerate(read_frames(video, stretch.start, stretch.stop), start=stretch.start):
                yield image, i


def build_scene(sequence: Path, out: Path, plan: list[Stretch], noise: float = 2.0) -> Path:
    """`out/` as a MOTChallenge sequence folder: video.mp4, seqinfo.ini, gt/gt.txt. Returns `out`."""
    fps, length = sequence_fps(sequence), sequence_length(sequence)
    truth: dict[int, list[list[str]]] = {}
    for line in (sequence / "gt" / "gt.txt").read_text().splitlines():
        fields = line.split(",")
        truth.setdefault(int(fields[0]), []).append(fields)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gt").mkdir(exist_ok=True)
    info = configparser.ConfigParser()
    info.optionxform = str
    info.read(sequence / "seqinfo.ini")
    size = even_size(int(info["Sequence"]["imWidth"]), int(info["Sequence"]["imHeight"]))
    video = H264File(out / "video.mp4", size, fps, crf=18)
    lines, count = [], 0
    try:
        for count, (image, original) in enumerate(scene_frames(sequence / "video.mp4", length, plan, noise), start=1):
            video.write(to_yuv420(image, size), (count - 1) / fps)
            for fields in truth.get(original + 1, []) if original >= 0 else []:
                lines.append(",".join([str(count), *fields[1:]]))
    finally:
        video.close()
    (out / "gt" / "gt.txt").write_text("\n".join(lines) + "\n")
    info["Sequence"]["name"] = out.name
    info["Sequence"]["seqLength"] = str(count)
    with (out / "seqinfo.ini").open("w") as handle:
        info.write(handle, space_around_delimiters=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sequence", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--plan", nargs="+", required=True, help="empty:N and frames:START:STOP stretches")
    parser.add_argument("--noise", type=float, default=2.0, help="sensor noise (grey levels, std)")
    args = parser.parse_args()
    build_scene(args.sequence, args.out, [Stretch.parse(s) for s in args.plan], args.noise)


if __name__ == "__main__":
    main()
