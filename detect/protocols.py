"""Stage interfaces. Stage code is synchronous and never sees a thread or queue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from detect.types import Detections, Frame, Packet, SourceInfo


@runtime_checkable
class Source(Protocol):
    def open(self) -> SourceInfo: ...
    def __iter__(self) -> Iterator[Frame]: ...
    def close(self) -> None: ...


@runtime_checkable
class Detector(Protocol):
    labels: tuple[str, ...]

    def open(self, info: SourceInfo | None = None) -> None: ...
    def warmup(self) -> None: ...
    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]: ...
    def close(self) -> None: ...


@runtime_checkable
class Tracker(Protocol):
    def update(self, detections: Detections, frame: Frame) -> Detections: ...
    def predict(self, frame: Frame, fraction: float) -> Detections: ...
    def reset(self) -> None: ...


@runtime_checkable
class Analytics(Protocol):
    def process(self, packet: Packet) -> Packet: ...


@runtime_checkable
class Annotator(Protocol):
    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray: ...


@runtime_checkable
class Sink(Protocol):
    def open(self, info: SourceInfo) -> None: ...
    def write(self, packet: Packet) -> None: ...
    def close(self) -> None: ...
