"""The Python API: `Pipeline.from_yaml/from_dict`, `stream`, `process`, `run`, `to_supervision`."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, decode_all, pipeline_dict

import detect
from detect import FrameResult, Pipeline

CLIP = "highway_udacity_solidWhiteRight.mp4"


def test_stream_yields_what_run_writes(shared_videos: Path, models_dir: Path, tmp_path: Path) -> None:
    pipeline = Pipeline.from_yaml(REPO / "configs" / "dashcam.yaml", source=str(shared_videos / CLIP),
                                  source__end=1.0, sinks=[{"type": "jsonl", "path": str(tmp_path / "run.jsonl")}])
    pipeline.run()
    written = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    streamed = list(pipeline.stream())
    assert not (tmp_path / "run.jsonl.incomplete").exists()
    assert [r.index for r in streamed] == [w["frame"] for w in written] and len(streamed) >= 25
    for result, record in zip(streamed, written):
        assert isinstance(result, FrameResult) and result.image is None
        assert [(d["class_name"], d["track_id"]) for d in result.records()] == \
            [(d["class_name"], d["track_id"]) for d in record["detections"]]
        for ours, theirs in zip(result.records(), record["detections"]):
            np.testing.assert_allclose(ours["xyxy"], theirs["xyxy"], atol=0.5)
    assert any(r.detections.tracker_id is not None and (r.detections.tracker_id > 0).any() for r in streamed)
    assert pipeline.last_result is not None and pipeline.last_result.frames == len(streamed)


def test_leaving_the_loop_early_stops_the_run(make_clip, tmp_path: Path) -> None:
    pipeline = Pipeline.from_dict(pipeline_dict(make_clip(frames=200), tmp_path))
    for result in pipeline.stream(images=True, sinks=True):
        assert result.image is not None and result.image.shape == (96, 160, 3)
        if result.index == 4:
            break
    assert pipeline.last_result.interrupted and pipeline.last_result.frames < 200
    assert not [t for t in threading.enumerate() if t.name.startswith("detect-")]
    assert len(decode_all(tmp_path / "out.mp4")) == pipeline.last_result.frames


def test_process_frames_the_caller_has(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=30)
    config = pipeline_dict(clip, tmp_path)
    expected = [(r.index, r.detections.tracker_id.tolist()) for r in Pipeline.from_dict(config).stream()]
    with Pipeline.from_dict(config) as pipeline:
        got = [(r.index, r.detections.tracker_id.tolist())
               for r in (pipeline.process(image, pts=i / 10, annotated=True) for i, image in enumerate(decode_all(clip)))]
    assert got == expected and any(ids and ids[0] >= 1 for _, ids in got)


def test_results_convert_to_supervision(make_clip, tmp_path: Path) -> None:
    import supervision as sv

    result = next(r for r in Pipeline.from_dict(pipeline_dict(make_clip(frames=10), tmp_path)).stream()
                  if len(r.detections))
    converted = result.to_supervision()
    assert isinstance(converted, sv.Detections) and len(converted) == len(result.detections)
    np.testing.assert_array_equal(converted.xyxy, result.detections.xyxy)
    assert converted.data["class_name"].tolist() == result.class_names == ["square"]


def test_overrides_and_bad_values_are_config_errors(make_clip, tmp_path: Path) -> None:
    config = pipeline_dict(make_clip(frames=5), tmp_path)
    assert Pipeline.from_dict(config, detector__delay_s=0.01).config.detector.params.delay_s == 0.01
    with pytest.raises(detect.errors.ConfigError, match="tracker.type: unknown tracker 'nope'"):
        Pipeline.from_dict(config, tracker__type="nope")
    assert "source" in config and config["tracker"] == {"type": "bytetrack"}, "the caller's mapping is not changed"
