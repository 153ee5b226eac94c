"""A folder or glob of still images, in natural order (frame2 before frame10)."""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import Field

from detect.contract import Source
from detect.errors import ConfigError, SourceError
from detect.params import StageParams
from detect.registry import sources
from detect.types import Frame, SourceInfo

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def natural_key(path: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


@sources.register("images")
class ImageSource(Source):
    """Still images from a folder or glob, ordered naturally; pts = index / fps."""

    live = False

    class Params(StageParams):
        path: str = Field(description="folder or glob pattern")
        fps: float = Field(30.0, gt=0, description="frame rate given to the outputs")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._files: list[str] = []
        self.info: SourceInfo | None = None

    def _list(self) -> list[str]:
        path = Path(self.params.path)
        if path.is_dir():
            files = [str(p) for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        else:
            files = [f for f in glob.glob(self.params.path) if Path(f).suffix.lower() in IMAGE_SUFFIXES]
        return sorted(files, key=natural_key)

    def input_paths(self) -> list[str]:
        return self._list()

    def check(self) -> None:
        if not self._list():
            raise ConfigError(f"source.path: no images found at {self.params.path}")

    def open(self) -> SourceInfo:
        import cv2

        self._files = self._list()
        if not self._files:
            raise SourceError(f"no images found at {self.params.path}")
        first = cv2.imread(self._files[0])
        if first is None:
            raise SourceError(f"not an image or corrupt: {self._files[0]}")
        h, w = first.shape[:2]
        self.info = SourceInfo(width=w, height=h, fps=self.params.fps, total_frames=len(self._files), source_id=self.params.path)
        return self.info

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        for index, file in enumerate(self._files):
            image = cv2.imread(file, cv2.IMREAD_COLOR)
            if image is None:
                raise SourceError(f"not an image or corrupt: {file}")
            yield Frame(image=image, index=index, pts_s=index / self.params.fps, source_id=self.params.path)

    def close(self) -> None:
        self._files = []
