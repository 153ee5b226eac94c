"""An image, a folder or a glob of images, in natural order (frame2 before frame10).

By default the images are unrelated stills: each is detected on its own (no tracker), written
as an annotated image of its own size and name, one JSONL record each (see stills.py).
`as_video: true` treats them as consecutive frames of one sequence (a KITTI or MOT folder):
tracked, written as one video, at the sequence's frame rate when a MOTChallenge `seqinfo.ini`
sits beside the images or one folder up (KITTI-17/seqinfo.ini for KITTI-17/img1), else 30 fps.

An image that cannot be read (corrupt, truncated to nothing, not an image at all) is skipped:
the run goes on with the others and one warning names the skipped files (the first few and a
count). Only a folder where no image is readable is an error.
"""

from __future__ import annotations

import configparser
import glob
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydantic import Field

from detect.contract import Source
from detect.errors import SourceError
from detect.params import StageParams, path_field
from detect.registry import sources
from detect.types import Frame, SourceInfo

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
DEFAULT_FPS = 30.0
"""Frame rate of a sequence that states none (no `fps`, no seqinfo.ini)."""
NAMED_SKIPS = 3
"""Skipped files named in the warning; the rest are counted."""


def natural_key(path: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


def read_image(path: str) -> np.ndarray | None:
    """BGR pixels, or None when the file is no readable image."""
    import cv2

    return cv2.imread(path, cv2.IMREAD_COLOR)


def sequence_frame_rate(folder: Path) -> float | None:
    """`frameRate` of the MOTChallenge seqinfo.ini in `folder` or the one above; None when there
    is none or it is unreadable (the images still play, at the default rate)."""
    for candidate in (folder / "seqinfo.ini", folder.parent / "seqinfo.ini"):
        if not candidate.is_file():
            continue
        parser = configparser.ConfigParser()
        try:
            parser.read(candidate, encoding="utf-8")
            rate = float(parser["Sequence"]["frameRate"])
        except (configparser.Error, KeyError, ValueError, UnicodeDecodeError):
            return None
        return rate if rate > 0 else None
    return None


@sources.register("images")
class ImageSource(Source):
    """An image, a folder or a glob of images, ordered naturally: unrelated stills unless as_video."""

    live = False

    class Params(StageParams):
        path: str = path_field(description="an image, a folder of images, or a glob pattern")
        fps: float | None = Field(None, gt=0, description="frame rate given to the outputs (as_video) (default: "
                                                         "frameRate of a seqinfo.ini beside the images or one "
                                                         "folder up, else 30)")
        as_video: bool = Field(False, description="consecutive frames of one sequence: track across them and "
                                                  "write one video (else each image on its own, untracked, "
                                                  "an annotated image per input)")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._files: list[str] = []
        self._skipped: list[str] = []
        self._first: tuple[int, np.ndarray] | None = None
        self.info: SourceInfo | None = None
        self.fps = params.fps or DEFAULT_FPS

    def _list(self) -> list[str]:
        path = Path(self.params.path)
        if path.is_file():
            return [str(path)] if path.suffix.lower() in IMAGE_SUFFIXES else []
        if path.is_dir():
            files = [str(p) for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        else:
            files = [f for f in glob.glob(self.params.path) if Path(f).suffix.lower() in IMAGE_SUFFIXES]
        return sorted(files, key=natural_key)

    def input_paths(self) -> list[str]:
        return self._list()

    def check(self) -> None:
        self.check_by_opening("source.path")

    def open(self) -> SourceInfo:
        self._files = self._list()
        self._skipped = []
        if not self._files:
            path = self.params.path
            if not any(ch in path for ch in "*?[") and not Path(path).exists():
                raise SourceError(f"not found: {path}")
            raise SourceError(f"no images found at {path}")
        self._first = self._first_readable()
        if self._first is None:
            raise SourceError(f"no readable image at {self.params.path}: all {len(self._files)} files are "
                              f"unreadable or corrupt (first: {self._files[0]})")
        h, w = self._first[1].shape[:2]
        self.fps = self.params.fps or sequence_frame_rate(Path(self._files[0]).parent) or DEFAULT_FPS
        self.info = SourceInfo(width=w, height=h, fps=self.fps, total_frames=len(self._files), source_id=self.params.path,
                               varying_size=not self.params.as_video)
        return self.info

    def _first_readable(self) -> tuple[int, np.ndarray] | None:
        """The first image that reads, with its position; the unreadable ones before it are skipped."""
        for position, file in enumerate(self._files):
            image = read_image(file)
            if image is not None:
                return position, image
            self._skipped.append(file)
        return None

    def __iter__(self) -> Iterator[Frame]:
        assert self._first is not None, "open() first"
        first_position, first_image = self._first
        self._first = None
        index = 0
        for position in range(first_position, len(self._files)):
            image = first_image if position == first_position else read_image(self._files[position])
            if image is None:
                self._skipped.append(self._files[position])
                continue
            yield Frame(image=image, index=index, pts_s=position / self.fps, source_id=self.params.path,
                        file=self._files[position])
            index += 1
        for line in self.warnings():
            log.warning("%s: %s", self.params.path, line)

    def warnings(self) -> list[str]:
        if not self._skipped:
            return []
        count = len(self._skipped)
        named = ", ".join(self._skipped[:NAMED_SKIPS])
        more = f" and {count - NAMED_SKIPS} more" if count > NAMED_SKIPS else ""
        return [f"skipped {count} unreadable image{'s' if count != 1 else ''}: {named}{more}"]

    def close(self) -> None:
        self._files = []
        self._first = None
