"""An annotated image per input image: same size, same name, same format, into one folder.

What the `video` sink becomes for unrelated stills (stills.py): a photo keeps its own size
(nothing is stretched to the first image's) and its own name (`runs/photos/IMG_0042.jpg`).
Each image is encoded in memory, written under a hidden staging name and renamed into place,
so a reader never sees half an image and a failed run leaves only complete ones.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from detect.contract import Sink
from detect.errors import DetectError
from detect.params import StageParams, path_field
from detect.redaction import redact_text
from detect.registry import sinks
from detect.sinks.base import staging_path
from detect.types import Packet, SourceInfo

FALLBACK_SUFFIX = ".jpg"
"""For a frame that has no file of its own (a video source): frame_000001.jpg."""


@sinks.register("images")
class ImageFolderSink(Sink):
    """Each frame's annotated picture as `<folder>/<input file name>`, encoded like the input."""

    class Params(StageParams):
        path: str = path_field(description="output folder (created); each image keeps its input's name")
        quality: int = Field(95, ge=1, le=100, description="JPEG/WebP quality")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.folder = Path(params.path)
        self._names: set[str] = set()
        self.written = 0

    def open(self, info: SourceInfo) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise DetectError(f"{self.folder} is a file; the images sink writes into a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._names = set()
        self.written = 0

    def write(self, packet: Packet) -> None:
        import cv2

        image = packet.canvas if packet.canvas is not None else packet.frame.image
        target = self.folder / self._name(packet)
        suffix = target.suffix.lower()
        quality = [cv2.IMWRITE_JPEG_QUALITY, self.params.quality] if suffix in (".jpg", ".jpeg") else \
            [cv2.IMWRITE_WEBP_QUALITY, self.params.quality] if suffix == ".webp" else []
        ok, encoded = cv2.imencode(suffix, image, quality)
        if not ok:
            raise DetectError(f"cannot encode {target.name} as {suffix}")
        staged = staging_path(target)
        staged.write_bytes(encoded.tobytes())
        os.replace(staged, target)
        self.written += 1

    def _name(self, packet: Packet) -> str:
        """The input's file name; a second input of the same name (a glob over folders) gets -2, -3..."""
        frame = packet.frame
        name = Path(frame.file).name if frame.file else f"frame_{frame.index + 1:06d}{FALLBACK_SUFFIX}"
        stem, suffix = Path(name).stem, Path(name).suffix
        number = 1
        while name in self._names:
            number += 1
            name = f"{stem}-{number}{suffix}"
        self._names.add(name)
        return name

    def close(self) -> None:
        self._names = set()

    def outputs(self) -> list[str]:
        """The folder, with a trailing slash so the summary line says it is one."""
        return [redact_text(os.path.join(self.folder, ""))]
