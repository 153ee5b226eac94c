"""A sink that writes how many frames and boxes it saw; and one that forgot `write`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from detect.contract import Sink
from detect.params import StageParams
from detect.types import Packet, SourceInfo


class CountingSink(Sink):
    """Counts frames and boxes; writes the totals as JSON when closed."""

    class Params(StageParams):
        path: str = Field(description="where the totals go")

    def open(self, info: SourceInfo) -> None:
        self.frames = self.boxes = 0

    def write(self, packet: Packet) -> None:
        self.frames += 1
        self.boxes += len(packet.detections)

    def close(self) -> None:
        Path(self.params.path).write_text(json.dumps({"frames": self.frames, "boxes": self.boxes}))

    def outputs(self) -> list[str]:
        return [self.params.path]


class HalfDoneSink(Sink):
    """Forgot to implement `write`."""

    class Params(StageParams):
        pass

    def open(self, info: SourceInfo) -> None:
        pass

    def close(self) -> None:
        pass
