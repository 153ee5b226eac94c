"""Adding per-detection columns without touching boxes, classes or ids."""

from __future__ import annotations

import dataclasses

import numpy as np

from detect.types import Detections, Event, Packet


def with_columns(packet: Packet, columns: dict[str, np.ndarray], events: list[Event] | None = None) -> Packet:
    """A new packet whose detections carry extra `data` columns (and optional new events)."""
    dets = packet.detections
    new = Detections(dets.xyxy, dets.confidence, dets.class_id, dets.tracker_id, {**dets.data, **columns})
    return dataclasses.replace(packet, detections=new, events=packet.events + tuple(events or ()))


def track_ids(detections: Detections) -> np.ndarray:
    """Tracker ids as int64, -1 for every detection when the pipeline has no tracker."""
    if detections.tracker_id is None:
        return np.full(len(detections), -1, np.int64)
    return detections.tracker_id.astype(np.int64)
