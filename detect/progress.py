"""A terminal progress bar (frames, fps, ETA) that costs nothing when disabled."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from detect.types import Packet, SourceInfo


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def start(self, info: SourceInfo) -> None:
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=info.total_frames, unit="frame", dynamic_ncols=True, smoothing=0.1)

    def update(self, packet: Packet) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.close()
