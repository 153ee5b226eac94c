"""MOTChallenge tracking text: frame,id,left,top,width,height,conf,-1,-1,-1 (1-based frames)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from detect.params import StageParams, path_field
from detect.registry import sinks
from detect.sinks.base import FileSink
from detect.types import Packet, SourceInfo


@sinks.register("mot")
class MotSink(FileSink):
    """Tracked boxes only, in MOTChallenge format, frames numbered from 1."""

    class Params(StageParams):
        path: str = path_field(description="output .txt file")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.path = Path(params.path)
        self._file: IO[str] | None = None
        self._frames = 0

    def open(self, info: SourceInfo) -> None:
        self._file = self.open_text()
        self._frames = 0

    def write(self, packet: Packet) -> None:
        assert self._file is not None
        dets = packet.detections
        if dets.tracker_id is None:
            return
        self._frames += 1
        number = packet.frame.index + 1
        lines = []
        for (x1, y1, x2, y2), conf, tid in zip(dets.xyxy, dets.confidence, dets.tracker_id):
            if tid < 0:
                continue
            lines.append(f"{number},{int(tid)},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{conf:.4f},-1,-1,-1\n")
        self._file.writelines(lines)

    def close(self) -> None:
        self._file = None
        self.close_text(self._frames)
