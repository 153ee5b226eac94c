"""Prediction files written by the project's real sinks, so an eval test breaks when a sink's format changes.

A `BoxTable` becomes one Packet per frame (empty frames included, as a pipeline writes
them), and the packets go through `JsonlSink` or `MotSink` exactly as a run sends them:
built from Params, opened with a SourceInfo, written, closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from detect.evaluation.boxes import BoxTable
from detect.sinks.jsonl import JsonlSink
from detect.sinks.mot import MotSink
from detect.types import Detections, Event, Frame, Packet, SourceInfo

FPS = 25.0
IMAGE = np.zeros((1, 1, 3), np.uint8)
"""Sinks that write boxes never look at the picture."""


def table_packets(table: BoxTable, class_name: str = "person", frame_offset: int = 0,
                  events: Sequence[Event] = ()) -> list[Packet]:
    """One packet per frame of the table, every box of class `class_name`; `events` ride on the first packet.

    `frame_offset` shifts the frame index the sinks see (to fake a 1-based writer).
    """
    packets = []
    for frame in range(table.frame_count):
        rows = np.flatnonzero(table.frame == frame)
        detections = Detections(
            xyxy=table.xyxy[rows].reshape(-1, 4),
            confidence=table.score[rows],
            class_id=np.zeros(len(rows), dtype=np.int64),
            tracker_id=table.track_id[rows],
        )
        index = frame + frame_offset
        packets.append(Packet(frame=Frame(IMAGE, index, index / FPS, "eval-test"), detections=detections,
                              labels=(class_name,), events=tuple(events) if frame == 0 else ()))
    return packets


def write_jsonl(path: Path, packets: Sequence[Packet]) -> Path:
    """What a pipeline with a `jsonl` sink writes for these packets."""
    return _write(JsonlSink(JsonlSink.Params(path=str(path))), packets, path)


def write_mot(path: Path, packets: Sequence[Packet]) -> Path:
    """What a pipeline with a `mot` sink writes for these packets."""
    return _write(MotSink(MotSink.Params(path=str(path))), packets, path)


def _write(sink: JsonlSink | MotSink, packets: Sequence[Packet], path: Path) -> Path:
    sink.open(SourceInfo(width=1, height=1, fps=FPS, total_frames=len(packets), source_id="eval-test"))
    for packet in packets:
        sink.write(packet)
    sink.close()
    return path
