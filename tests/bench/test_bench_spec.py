"""`detect bench` spec validation: every problem at once, with its place and a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fakes import fake_weights, spec_dict
from conftest import REPO, tracking_dir

from detect.bench.combos import expand_spec
from detect.bench.spec import load_spec, parse_spec
from detect.errors import ConfigError


@pytest.mark.parametrize("data,messages", [
    ({"detectors": [{}], "clips": [{"path": "a.mp4", "ed": 3}]},
     ["clips[0].ed: unknown key 'ed' (did you mean 'end'?"]),
    ({"detectors": [{}], "clips": [{"path": "a.mp4"}], "outputs": {"vidoe": True}, "iou": 2},
     ["outputs.vidoe: unknown key 'vidoe' (did you mean 'video'? allowed: jsonl, video)",
      "iou: Input should be less than or equal to 1 (got 2)"]),
    ({"clips": [{"path": "a.mp4", "start": 3, "end": 1}]},
     ["detectors: missing", "clips[0]: end (1.0) must be after start (3.0)"]),
    ({"detectors": [{}], "clips": [{"path": "a/x.mp4"}, {"path": "b/x.mp4"}]},
     ["clip names must differ, repeated: x"]),
    ({"detectors": [{}], "clips": [{"path": "a.mp4", "class_map": {"a": "b"}}]},
     ["class_map and eval_classes need gt"]),
    ({"detectors": [], "clips": [{"path": "a.mp4", "frames": 0}], "version": 2},
     ["detectors: List should have at least 1 item", "clips[0].frames: Input should be greater than or equal to 1",
      "version: Input should be 1"]),
])
def test_spec_shape_errors(data: dict, messages: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_spec(data, path="bench.yaml")
    text = str(info.value)
    assert text.startswith("bench.yaml: ")
    for message in messages:
        assert message in text


def test_stage_params_are_judged_by_the_pipeline_and_named_by_spec_position(tmp_path: Path, make_clip) -> None:
    clip = make_clip()
    data = spec_dict(clip, fake_weights(tmp_path))
    data["detectors"].append({"model": "no_such_model.pt", "conf": 3, "imgsz": 1})
    data["trackers"] = ["bytetrack", {"type": "bytetrak"}]
    data["clips"].append({"path": str(tmp_path / "missing.mp4"), "gt": str(tmp_path / "nope")})
    with pytest.raises(ConfigError) as info:
        expand_spec(parse_spec(data))
    messages = info.value.messages
    assert "detectors[1].conf: Input should be less than or equal to 1 (got 3)" in messages
    assert "detectors[1].imgsz: must be a size in pixels from 32 to 4096 (the long side, e.g. 640) or native (got 1)" in messages
    assert any(m.startswith("trackers[1].type: unknown tracker 'bytetrak' (did you mean 'bytetrack'?") for m in messages)
    assert f"clips[1].path: video not found: {tmp_path / 'missing.mp4'}" in messages
    assert f"clips[1].gt: ground truth not found: {tmp_path / 'nope'}" in messages
    assert len(messages) == len(set(messages)), "one message per problem, not one per combination"


def test_unknown_model_is_reported_with_where_it_was_looked_for(tmp_path: Path, make_clip) -> None:
    data = spec_dict(make_clip(), tmp_path / "absent.pt")
    with pytest.raises(ConfigError, match=r"detectors\[0\]\.model: model '.*absent.pt' not found"):
        expand_spec(parse_spec(data))


def test_yaml_file_and_set_overrides(tmp_path: Path, make_clip) -> None:
    clip = make_clip()
    spec_file = tmp_path / "bench.yaml"
    spec_file.write_text(f"detectors: [{{model: x.pt}}]\nclips: [{{path: {clip}}}]\n")
    spec = load_spec(spec_file, ["clips.0.frames=5", "detectors.0.conf=0.4"])
    assert spec.clips[0].frames == 5 and spec.detectors[0]["conf"] == 0.4
    with pytest.raises(ConfigError, match="config file not found"):
        load_spec(tmp_path / "none.yaml")


def test_shipped_bench_config_loads_and_expands(models_dir: Path, shared_videos: Path, monkeypatch) -> None:
    """configs/bench.yaml as its header says: from the repository root with ../shared beside it, 4 x 1 x 7."""
    tracking_dir()
    monkeypatch.chdir(REPO)
    spec = load_spec("configs/bench.yaml")
    combos = expand_spec(spec, "configs/bench.yaml")
    assert len(combos) == 28 and len({combo.key for combo in combos}) == 28
    assert list(dict.fromkeys(combo.detector_label for combo in combos)) == [
        "yolo11n/torch/640", "yolo11n/openvino/640", "yolov8n/torch/640", "yolov8n/openvino/640"]
    scored = [combo.clip.label for combo in combos[:7] if combo.clip.gt is not None]
    assert scored == ["TUD-Stadtmitte", "PETS09-S2L1", "MOT16-11", "KITTI-17"]
    kitti = next(combo.clip for combo in combos if combo.clip.label == "KITTI-17")
    assert kitti.class_map == {"pedestrian": "person", "cyclist": "person"} and kitti.frames == 100
