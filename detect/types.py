"""The data that flows between stages: frozen, numpy-backed, framework-free."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from detect.columns import EVENT, FRAME, PTS, SUBJECT_FIELDS, TRACK_ID
from detect.redaction import redact_values

if TYPE_CHECKING:
    from detect.annotators.layout import CanvasLayout

NO_TRACK = -1
"""A tracker id meaning untracked (in `Detections.tracker_id`) or no track (in `Event.track`)."""


@dataclass(frozen=True)
class SourceInfo:
    """What a sink needs to know about a source before the first frame."""

    width: int
    height: int
    fps: float
    total_frames: int | None
    source_id: str
    live: bool = False
    varying_size: bool = False
    """Frames may differ in size (unrelated stills): `width`/`height` are the first one's only, so a
    detector sizes its input per frame instead of fixing it from them."""

    @property
    def fps_fraction(self) -> Fraction:
        return Fraction(self.fps).limit_denominator(1001)


@dataclass(frozen=True)
class Frame:
    """One decoded picture; `pts_s` comes from the container or clock, not a counter."""

    image: np.ndarray
    index: int
    pts_s: float
    source_id: str
    capture_time: float = 0.0
    file: str | None = None
    """The image file this frame was read from (image sources), else None."""
    stream: str = ""
    """The stream's name in a multi-stream run (`streams:`), else empty."""

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(f"Frame.image must be HxWx3 uint8, got {self.image.shape} {self.image.dtype}")

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


@dataclass(frozen=True)
class Detections:
    """Boxes as columns (supervision's field names); `tracker_id` -1 means untracked."""

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    tracker_id: np.ndarray | None = None
    data: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.xyxy)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"xyxy must be (N, 4), got {self.xyxy.shape}")
        for name in ("confidence", "class_id"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must be ({n},), got {getattr(self, name).shape}")
        if self.tracker_id is not None and self.tracker_id.shape != (n,):
            raise ValueError(f"tracker_id must be ({n},), got {self.tracker_id.shape}")
        for key, column in self.data.items():
            if len(column) != n:
                raise ValueError(f"data[{key!r}] has {len(column)} rows, expected {n}")

    @classmethod
    def empty(cls) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: np.ndarray | slice | list[int]) -> Detections:
        if isinstance(index, (str, int)):
            raise TypeError("Detections supports boolean or index-array selection only")
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=None if self.tracker_id is None else self.tracker_id[index],
            data={k: v[index] for k, v in self.data.items()},
        )

    def with_tracker_ids(self, tracker_id: np.ndarray) -> Detections:
        return Detections(self.xyxy, self.confidence, self.class_id, tracker_id.astype(np.int64), dict(self.data))


@dataclass(frozen=True)
class Event:
    """Something that happened at a frame (a warning, a line crossing, a reconnect gap).

    `payload` holds JSON-ready values only (producers convert once); sinks serialise an event
    with `to_record()` as `{"event": kind, "frame"?, "pts"?, zone|line?, "track_id"?, **payload}`.
    `frame` and `pts` are None for what a source reports on its own clock (`live_source`,
    `gap`, `live_stats`); `track` is None when no track is concerned and NO_TRACK when the
    event is about a track but there is none (the lead vehicle left): `"track_id": null`."""

    kind: str
    frame: int | None
    pts: float | None
    track: int | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload)))

    def to_record(self) -> dict[str, Any]:
        """The record every sink writes; its strings redacted (a reason may quote a URL)."""
        record: dict[str, Any] = {EVENT: self.kind}
        if self.frame is not None:
            record[FRAME] = self.frame
        if self.pts is not None:
            record[PTS] = self.pts
        record.update((key, self.payload[key]) for key in SUBJECT_FIELDS if key in self.payload)
        if self.track is not None:
            record[TRACK_ID] = None if self.track == NO_TRACK else self.track
        record.update(self.payload)
        return redact_values(record)


@dataclass(frozen=True)
class Packet:
    """A frame on its way through the pipeline; advanced with dataclasses.replace."""

    frame: Frame
    detections: Detections
    labels: tuple[str, ...] = ()
    canvas: np.ndarray | None = None
    layout: CanvasLayout | None = None
    """The text rectangles the annotators claimed on `canvas` (labels, captions, HUD)."""
    events: tuple[Event, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    detected: bool = True
    """False on frames the detector skipped (`detect_every`); boxes then come from the tracker."""
    since_detection: int = 0
    """Frames since the last detector frame (0 on detector frames)."""
    dropped: int = 0
    """Stale frames a live source dropped before this one, in total so far."""
