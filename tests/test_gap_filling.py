"""A tracker's `fill_gaps`: boxes for the frames a track was missed in, between its sightings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import box_at, decode_all, pipeline_dict

from detect.config import parse
from detect.pipeline import Pipeline, build
from detect.trackers.gap_filling import GapFiller
from detect.types import Detections, Frame, Packet, SourceInfo

TRACK_ID = "track_id"


def packet(index: int, tracks: dict[int, list[float]]) -> Packet:
    """A tracked frame: track id -> box."""
    ids = list(tracks)
    detections = Detections(xyxy=np.array([tracks[i] for i in ids], np.float32).reshape(-1, 4),
                            confidence=np.full(len(ids), 0.8, np.float32),
                            class_id=np.zeros(len(ids), np.int64),
                            tracker_id=np.array(ids, np.int64))
    frame = Frame(image=np.zeros((8, 8, 3), np.uint8), index=index, pts_s=index / 10, source_id="t")
    return Packet(frame=frame, detections=detections)


def run_filler(filler: GapFiller, frames: list[dict[int, list[float]]]) -> list[Packet]:
    out = [done for i, tracks in enumerate(frames) for done in filler.push(packet(i, tracks))]
    return out + filler.flush()


def boxes_of(packets: list[Packet], track: int) -> list[list[float] | None]:
    found = []
    for p in packets:
        rows = np.flatnonzero(p.detections.tracker_id == track) if p.detections.tracker_id is not None else []
        found.append(p.detections.xyxy[rows[0]].tolist() if len(rows) else None)
    return found


def test_a_track_missed_for_three_frames_gets_boxes_on_the_line_between_its_sightings():
    frames = [{1: [0, 0, 10, 20]}, {}, {}, {}, {1: [40, 8, 50, 28]}, {1: [50, 10, 60, 30]}]
    out = run_filler(GapFiller(lag=3), frames)
    assert [p.frame.index for p in out] == list(range(6))
    assert boxes_of(out, 1) == [[0, 0, 10, 20], [10, 2, 20, 22], [20, 4, 30, 24], [30, 6, 40, 26],
                                [40, 8, 50, 28], [50, 10, 60, 30]]
    assert out[2].detections.confidence.tolist() == pytest.approx([0.8])


def test_a_gap_longer_than_the_lag_stays_a_gap_and_other_tracks_are_kept():
    frames = [{1: [0, 0, 10, 10], 2: [100, 0, 110, 10]}, {2: [101, 0, 111, 10]}, {2: [102, 0, 112, 10]},
              {2: [103, 0, 113, 10]}, {1: [40, 0, 50, 10], 2: [104, 0, 114, 10]}]
    out = run_filler(GapFiller(lag=2), frames)
    assert boxes_of(out, 1) == [[0, 0, 10, 10], None, None, None, [40, 0, 50, 10]]
    assert all(box is not None for box in boxes_of(out, 2))


def test_packets_leave_in_order_lag_frames_late():
    filler = GapFiller(lag=2)
    released = [[p.frame.index for p in filler.push(packet(i, {}))] for i in range(5)]
    assert released == [[], [], [0], [1], [2]]
    assert [p.frame.index for p in filler.flush()] == [3, 4]


def test_untracked_boxes_are_neither_filled_nor_used():
    first = packet(0, {1: [0, 0, 10, 10]})
    unconfirmed = packet(1, {})
    unconfirmed = Packet(frame=unconfirmed.frame, detections=Detections(
        xyxy=np.array([[5, 0, 15, 10]], np.float32), confidence=np.array([0.3], np.float32),
        class_id=np.zeros(1, np.int64), tracker_id=np.array([-1])))
    filler = GapFiller(lag=3)
    out = filler.push(first) + filler.push(unconfirmed) + filler.push(packet(2, {1: [20, 0, 30, 10]})) + filler.flush()
    assert out[1].detections.tracker_id.tolist() == [-1, 1]
    assert out[1].detections.xyxy[1].tolist() == [10, 0, 20, 10]


def gap_run(clip: Path, out: Path, fill_gaps: float, threaded: bool) -> list[dict]:
    """The synthetic square, not found in frames 8-10, tracked with `fill_gaps` seconds (10 fps)."""
    config = pipeline_dict(clip, out, detector={"type": "scripted", "miss": [8, 9, 10]},
                           tracker={"type": "bytetrack", "fill_gaps": fill_gaps})
    result = build(parse(config)).run(threaded=threaded)
    assert result.frames == 20
    assert len(decode_all(out / "out.mp4")) == 20
    return [json.loads(line) for line in (out / "out.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("threaded", [True, False])
def test_a_run_with_fill_gaps_writes_every_frame_in_order_with_the_missed_boxes(make_clip, tmp_path: Path, threaded):
    records = gap_run(make_clip(frames=20), tmp_path, 0.3, threaded)
    assert [r["frame"] for r in records] == list(range(20))
    ids = {r["detections"][0][TRACK_ID] for r in records[3:]}
    assert len(ids) == 1 and None not in ids
    for index in (8, 9, 10):
        assert records[index]["detections"][0]["xyxy"] == pytest.approx(list(box_at(index, 160, 96)), abs=0.5)
    mot_frames = [int(line.split(",")[0]) for line in (tmp_path / "out.txt").read_text().splitlines()]
    assert {9, 10, 11} <= set(mot_frames)


def test_without_fill_gaps_or_with_too_short_a_wait_the_missed_frames_stay_empty(make_clip, tmp_path: Path):
    clip = make_clip(frames=20)
    for seconds in (0.0, 0.2):
        records = gap_run(clip, tmp_path / str(seconds), seconds, threaded=True)
        assert [r["detections"] for r in records[8:11]] == [[], [], []]


def test_live_sources_and_process_run_without_holding_frames_back(make_clip, tmp_path: Path):
    live = Pipeline(parse({"source": {"type": "stream", "path": "http://127.0.0.1:9/cam"},
                           "detector": {"type": "scripted"}, "tracker": {"type": "bytetrack", "fill_gaps": 1.0}}))
    assert live._gap_filler(SourceInfo(width=160, height=96, fps=25.0, total_frames=None, source_id="cam")) is None
    clip = make_clip(frames=4)
    with Pipeline(parse(pipeline_dict(clip, tmp_path, tracker={"type": "bytetrack", "fill_gaps": 1.0}))) as pipeline:
        image = decode_all(clip)[0]
        assert len(pipeline.process(image).detections) == 1
        assert pipeline.process(image).index == 1
