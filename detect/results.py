"""What the Python API hands back per frame, and its conversions to the field's common types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from detect.columns import CLASS_NAME, TRACK_ID
from detect.json_values import plain
from detect.types import Detections, Event, Packet

if TYPE_CHECKING:
    import supervision


def detection_records(dets: Detections, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """Plain JSON per box, as the JSONL sink writes it; analytics columns (`Detections.data`)
    follow, NaN as null."""
    tids = dets.tracker_id
    out = []
    for i in range(len(dets)):
        cls = int(dets.class_id[i])
        tid = None if tids is None or tids[i] < 0 else int(tids[i])
        record = {
            "xyxy": [round(float(v), 2) for v in dets.xyxy[i]],
            "conf": round(float(dets.confidence[i]), 4),
            "class_id": cls,
            CLASS_NAME: labels[cls] if cls < len(labels) else str(cls),
            TRACK_ID: tid,
        }
        for key, column in dets.data.items():
            record[key] = plain(column[i], digits=4)
        out.append(record)
    return out


@dataclass(frozen=True)
class FrameResult:
    """One processed frame: where it came from, what was found and tracked, what happened.

    `detections.tracker_id` is -1 for a box the tracker has not confirmed; analytics columns
    (distance, TTC, ...) are in `detections.data`. `image` is the annotated picture when it
    was asked for (`stream(images=True)`, `process(..., image=True)`), else None."""

    index: int
    pts: float
    source: str
    detections: Detections
    labels: tuple[str, ...]
    events: tuple[Event, ...]
    image: np.ndarray | None = None
    file: str | None = None
    """The image file this frame came from (image sources), else None."""

    @classmethod
    def from_packet(cls, packet: Packet, image: bool = False) -> FrameResult:
        canvas = packet.canvas if packet.canvas is not None else packet.frame.image
        return cls(index=packet.frame.index, pts=packet.frame.pts_s, source=packet.frame.source_id,
                   detections=packet.detections, labels=packet.labels, events=packet.events,
                   image=canvas if image else None, file=packet.frame.file)

    @property
    def class_names(self) -> list[str]:
        return [self.labels[c] if 0 <= c < len(self.labels) else str(c) for c in self.detections.class_id]

    def records(self) -> list[dict[str, Any]]:
        """The detections as the JSONL sink writes them (plain Python values)."""
        return detection_records(self.detections, self.labels)

    def to_supervision(self) -> supervision.Detections:
        """The same boxes as `supervision.Detections` (needs `pip install supervision`)."""
        from detect.errors import require

        sv = require("supervision", "api", "to_supervision()")
        dets = self.detections
        return sv.Detections(
            xyxy=dets.xyxy.astype(np.float32), confidence=dets.confidence.astype(np.float32),
            class_id=dets.class_id.astype(int),
            tracker_id=None if dets.tracker_id is None else dets.tracker_id.astype(int),
            data={"class_name": np.array(self.class_names, dtype=object), **dets.data},
        )
