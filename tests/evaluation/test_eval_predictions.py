"""Prediction readers: our jsonl (0-based frames, event lines) and MOTChallenge text (1-based frames)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detect.evaluation.inputs import EvalInputError
from detect.evaluation.predictions import read_predictions

JSONL = [
    {"event": "start", "source": "cam"},
    {"frame": 0, "pts": 0.0, "source": "v.mp4", "detections": [
        {"xyxy": [10, 20, 30, 60], "conf": 0.9, "class_id": 0, "class_name": "person", "track_id": 3},
        {"xyxy": [40, 20, 50, 40], "conf": 0.4, "class_id": 2, "class_name": "car", "track_id": None},
    ]},
    {"event": "line_cross", "frame_index": 0, "track_id": 3},
    {"frame": 1, "pts": 0.04, "source": "v.mp4", "detections": []},
    {"frame": 2, "pts": 0.08, "source": "v.mp4", "detections": [
        {"xyxy": [12, 20, 32, 60], "conf": 0.8, "class_id": 0, "class_name": "person", "track_id": 3},
    ]},
]


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_jsonl_frames_stay_zero_based_and_events_are_skipped(tmp_path: Path) -> None:
    pred = read_predictions(_write_jsonl(tmp_path / "out.jsonl", JSONL))
    assert pred.frame.tolist() == [0, 0, 2]
    assert pred.track_id.tolist() == [3, -1, 3]
    assert pred.class_name.tolist() == ["person", "car", "person"]
    np.testing.assert_allclose(pred.score, [0.9, 0.4, 0.8])
    np.testing.assert_allclose(pred.xyxy[1], [40, 20, 50, 40])
    assert pred.num_frames == 3 and pred.has_tracks and pred.has_classes


def test_mot_file_frame_one_is_jsonl_frame_zero(tmp_path: Path) -> None:
    """What our mot sink writes for frame index 0 (`1,3,10.00,...`) reads back as frame 0."""
    mot = tmp_path / "out.txt"
    mot.write_text("1,3,10.00,20.00,20.00,40.00,0.9000,-1,-1,-1\n3,3,12.00,20.00,20.00,40.00,0.8000,-1,-1,-1\n")
    from_mot = read_predictions(mot)
    tracked = read_predictions(_write_jsonl(tmp_path / "out.jsonl", JSONL))
    tracked = tracked.select(tracked.track_id >= 0)
    np.testing.assert_array_equal(from_mot.frame, tracked.frame)
    np.testing.assert_allclose(from_mot.xyxy, tracked.xyxy)
    np.testing.assert_array_equal(from_mot.track_id, tracked.track_id)
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
