"""Prediction readers: our jsonl (0-based frames, event lines) and MOTChallenge text (1-based frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sink_files import IMAGE, write_jsonl, write_mot

from detect.evaluation.inputs import EvalInputError
from detect.evaluation.predictions import read_predictions
from detect.types import Detections, Event, Frame, Packet

LABELS = ("person", "bicycle", "car")


def _packet(index: int, xyxy: list[list[float]], conf: list[float], class_id: list[int], track_id: list[int],
            events: tuple[Event, ...] = ()) -> Packet:
    detections = Detections(np.array(xyxy, np.float64).reshape(-1, 4), np.array(conf, np.float64),
                            np.array(class_id, np.int64), np.array(track_id, np.int64))
    return Packet(Frame(IMAGE, index, index * 0.04, "v.mp4"), detections, LABELS, events=events)


PACKETS = [
    _packet(0, [[10, 20, 30, 60], [40, 20, 50, 40]], [0.9, 0.4], [0, 2], [3, -1],
            events=(Event("line_cross", frame=0, pts=0.0, track=3),)),
    _packet(1, [], [], [], []),
    _packet(2, [[12, 20, 32, 60]], [0.8], [0], [3]),
]
"""A tracked person on frames 0 and 2, an untracked car on frame 0, nothing on frame 1, one event line."""


def test_jsonl_frames_stay_zero_based_and_events_are_skipped(tmp_path: Path) -> None:
    pred = read_predictions(write_jsonl(tmp_path / "out.jsonl", PACKETS))
    assert pred.frame.tolist() == [0, 0, 2]
    assert pred.track_id.tolist() == [3, -1, 3]
    assert pred.class_name.tolist() == ["person", "car", "person"]
    np.testing.assert_allclose(pred.score, [0.9, 0.4, 0.8])
    np.testing.assert_allclose(pred.xyxy[1], [40, 20, 50, 40])
    assert pred.num_frames == 3 and pred.has_tracks and pred.has_classes


def test_mot_file_frame_one_is_jsonl_frame_zero(tmp_path: Path) -> None:
    """Our mot sink numbers frame index 0 as 1 and keeps tracked boxes only; both read back alike."""
    from_mot = read_predictions(write_mot(tmp_path / "out.txt", PACKETS))
    tracked = read_predictions(write_jsonl(tmp_path / "out.jsonl", PACKETS))
    tracked = tracked.select(tracked.track_id >= 0)
    np.testing.assert_array_equal(from_mot.frame, tracked.frame)
    np.testing.assert_allclose(from_mot.xyxy, tracked.xyxy)
    np.testing.assert_array_equal(from_mot.track_id, tracked.track_id)
    np.testing.assert_allclose(from_mot.score, tracked.score)
    assert not from_mot.has_classes


def test_motchallenge_results_with_fewer_columns(tmp_path: Path) -> None:
    path = tmp_path / "res.txt"
    path.write_text("2,7,1,2,3,4\n\n")
    pred = read_predictions(path)
    assert pred.frame.tolist() == [1] and pred.score.tolist() == [1.0]
    np.testing.assert_allclose(pred.xyxy, [[1, 2, 4, 6]])


@pytest.mark.parametrize("text,message", [
    ('{"frame": 0, "detections": [{"conf": 1}]}\n', "not a detect jsonl frame record"),
    ('{"frame": 0, "detections": []}\nnot json\n', r":2: not JSON"),
    ("0,1,1,2,3,4,1,-1,-1,-1\n", "numbered from 1"),
    ("1,1,1,2\n", "MOTChallenge rows need"),
])
def test_bad_predictions(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pred.txt"
    path.write_text(text)
    with pytest.raises(EvalInputError, match=message):
        read_predictions(path)


def test_missing_predictions(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="predictions not found"):
        read_predictions(tmp_path / "none.jsonl")
