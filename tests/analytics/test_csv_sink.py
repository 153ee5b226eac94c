"""`csv` sink: one row per event, fixed columns, written under a temporary name."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from detect.sinks.csv import COLUMNS, CsvSink
from detect.types import SourceInfo

from .synth import packet

INFO = SourceInfo(width=1242, height=376, fps=10.0, total_frames=None, source_id="synthetic")


def test_rows_have_fixed_columns_and_details(tmp_path: Path) -> None:
    path = tmp_path / "out" / "events.csv"
    sink = CsvSink(CsvSink.Params(path=str(path)))
    sink.open(INFO)
    warning = {
        "event": "collision_warning",
        "frame": 3,
        "pts": 0.3,
        "track_id": 4,
        "class_name": "car",
        "level": "danger",
        "ttc_s": 1.1,
        "distance_m": 9.5,
    }
    crossing = {
        "event": "line_crossing",
        "frame": 5,
        "pts": 0.5,
        "track_id": 2,
        "class_name": "person",
        "line": "gate",
        "direction": "in",
        "total_in": 1,
        "total_out": 0,
        "counts": {"in": {"person": 1}},
    }
    p = packet(3, [])
    sink.write(p.__class__(frame=p.frame, detections=p.detections, events=(warning, crossing)))
    sink.write(packet(4, []))
    assert not path.exists()
    sink.close()
    sink.close()
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == [*COLUMNS, "details"]
    assert rows[0]["event"] == "collision_warning" and rows[0]["level"] == "danger" and rows[0]["ttc_s"] == "1.1"
    assert rows[0]["details"] == "" and rows[0]["name"] == ""
    assert rows[1]["name"] == "gate" and rows[1]["direction"] == "in"
    assert json.loads(rows[1]["details"]) == {"total_in": 1, "total_out": 0, "counts": {"in": {"person": 1}}}
    assert not list(path.parent.glob(".*.part"))


def test_event_filter(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    sink = CsvSink(CsvSink.Params(path=str(path), events=["line_crossing"]))
    sink.open(INFO)
    p = packet(0, [])
    sink.write(p.__class__(frame=p.frame, detections=p.detections, events=({"event": "zone_config"},)))
    sink.close()
    assert len(list(csv.DictReader(path.open()))) == 0
