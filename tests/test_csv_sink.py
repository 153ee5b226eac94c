"""`csv` sink: one row per event, fixed columns, written under a temporary name."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from detect.columns import (
    CLASS_NAME,
    COLLISION_WARNING,
    COUNTS,
    DIRECTION,
    DISTANCE_M,
    LEVEL,
    LINE,
    LINE_CROSSING,
    TOTAL_IN,
    TOTAL_OUT,
    TTC_S,
    ZONE_CONFIG,
)
from detect.sinks.csv import COLUMNS, DETAILS, NAME, CsvSink
from detect.types import Detections, Event, Frame, Packet, SourceInfo

INFO = SourceInfo(width=64, height=48, fps=10.0, total_frames=None, source_id="synthetic")


def packet(index: int, events: tuple[Event, ...] = ()) -> Packet:
    frame = Frame(image=np.zeros((48, 64, 3), np.uint8), index=index, pts_s=index / 10, source_id="synthetic")
    return Packet(frame=frame, detections=Detections.empty(), events=events)


def test_rows_have_fixed_columns_and_details(tmp_path: Path) -> None:
    path = tmp_path / "out" / "events.csv"
    sink = CsvSink(CsvSink.Params(path=str(path)))
    sink.open(INFO)
    warning = Event(COLLISION_WARNING, frame=3, pts=0.3, track=4,
                    payload={CLASS_NAME: "car", LEVEL: "danger", TTC_S: 1.1, DISTANCE_M: 9.5})
    crossing = Event(LINE_CROSSING, frame=5, pts=0.5, track=2, payload={
        LINE: "gate", CLASS_NAME: "person", DIRECTION: "in", TOTAL_IN: 1, TOTAL_OUT: 0, COUNTS: {"in": {"person": 1}},
    })
    sink.write(packet(3, (warning, crossing)))
    sink.write(packet(4))
    assert not path.exists()
    sink.close()
    sink.close()
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == [*COLUMNS, DETAILS]
    assert rows[0]["event"] == COLLISION_WARNING and rows[0][LEVEL] == "danger" and rows[0][TTC_S] == "1.1"
    assert rows[0][DETAILS] == "" and rows[0][NAME] == ""
    assert rows[1][NAME] == "gate" and rows[1][DIRECTION] == "in"
    assert json.loads(rows[1][DETAILS]) == {TOTAL_IN: 1, TOTAL_OUT: 0, COUNTS: {"in": {"person": 1}}}
    assert not list(path.parent.glob(".*.part"))


def test_event_filter(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    sink = CsvSink(CsvSink.Params(path=str(path), events=[LINE_CROSSING]))
    sink.open(INFO)
    sink.write(packet(0, (Event(ZONE_CONFIG, frame=0, pts=0.0),)))
    sink.close()
    assert len(list(csv.DictReader(path.open()))) == 0
