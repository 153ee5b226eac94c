from pathlib import Path

import pytest

from detect.config import apply_overrides, load, parse, source_override
from detect.errors import ConfigError

GOOD = {"source": {"type": "video", "path": "x.mp4"}, "detector": {"type": "ultralytics"}}


def with_(**changes):
    data = {k: dict(v) for k, v in GOOD.items()}
    data.update(changes)
    return data


@pytest.mark.parametrize("data,message", [
    (with_(source={"type": "vide", "path": "x"}), r"source.type: unknown source 'vide' \(did you mean 'video'\? available: .*images"),
    (with_(tracker={"type": "bytetrak"}), r"tracker.type: unknown tracker 'bytetrak' \(did you mean 'bytetrack'\?"),
    (with_(detector={"type": "ultralytics", "conff": 0.3}), r"detector.conff: unknown key 'conff' \(did you mean 'conf'\?"),
    (with_(detector={"type": "ultralytics", "conf": 1.5}), r"detector.conf: Input should be less than or equal to 1 \(got 1.5\)"),
    (with_(detector={"type": "ultralytics", "imgsz": "big"}), r"detector.imgsz: must be a size in pixels.*or native \(got 'big'\)"),
    (with_(detector={"type": "ultralytics", "device": "gpu"}), r"detector.device: must be cpu, cuda, cuda:N or auto \(got 'gpu'\)"),
    (with_(source={"type": "video", "path": "x", "start": 5, "end": 2}), r"source: end \(2.0\) must be after start \(5.0\)"),
    (with_(sinks=[{"type": "video"}]), r"sinks\[0\].path: Field required"),
    (with_(sinks={"type": "video"}), r"sinks: expected a list of stages"),
    (with_(annotators=[{"thickness": 2}]), r"annotators\[0\].type: missing"),
    (with_(extra=1), r"extra: unknown key 'extra'"),
    ({"detector": {"type": "ultralytics"}}, r"source: missing"),
])
def test_error_messages(data, message):
    with pytest.raises(ConfigError, match=message):
        parse(data)


def test_all_problems_reported_at_once():
    data = with_(source={"type": "vide"}, tracker={"type": "bytetrak"},
                 detector={"type": "ultralytics", "conf": 2, "foo": 1})
    with pytest.raises(ConfigError) as info:
        parse(data, path="cfg.yaml")
    assert len(info.value.messages) == 4
    assert str(info.value).startswith("cfg.yaml: 4 problems: ")


def test_yaml_syntax_error_has_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: {type: video, path: x.mp4\ndetector: 1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: YAML syntax error at line 2"):
        load(bad)


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="config file not found"):
        load(tmp_path / "nope.yaml")


def test_overrides_and_short_stage_names(tmp_path: Path):
    data = with_(sinks=[{"type": "jsonl", "path": "a.jsonl"}], annotators=["boxes"])
    apply_overrides(data, ["detector.conf=0.4", "sinks.0.path=b.jsonl", "detector.classes=[car, person]"])
    config = parse(data)
    assert config.detector.params.conf == 0.4
    assert config.detector.params.classes == ["car", "person"]
    assert config.sinks[0].params.path == "b.jsonl"
    assert config.annotators[0].type == "boxes"
    with pytest.raises(ConfigError, match="no list item 3"):
        apply_overrides(data, ["sinks.3.path=x"])
    with pytest.raises(ConfigError, match="dotted.key=value"):
        apply_overrides(data, ["nonsense"])


def test_source_override_keeps_matching_options(tmp_path: Path):
    assert source_override({"type": "video", "path": "a.mp4", "stride": 2}, "b.mp4") == {"type": "video", "path": "b.mp4", "stride": 2}
    assert source_override({"type": "video", "path": "a.mp4"}, str(tmp_path)) == {"type": "images", "path": str(tmp_path)}


@pytest.mark.parametrize("name", ["dashcam.yaml", "minimal.yaml"])
def test_shipped_configs_parse(name):
    config = load(Path(__file__).resolve().parents[1] / "configs" / name)
    assert config.detector.type == "ultralytics"


def test_fast_config_is_the_dashcam_job_with_the_speed_settings():
    """README "Speed": same stages and outputs as dashcam.yaml, with the fastest CPU settings."""
    configs = Path(__file__).resolve().parents[1] / "configs"
    fast, dashcam = load(configs / "fast.yaml"), load(configs / "dashcam.yaml")
    assert (fast.source.type, fast.source.params.path) == (dashcam.source.type, dashcam.source.params.path)
    detector = fast.detector.params
    assert (detector.model, detector.classes) == (dashcam.detector.params.model, dashcam.detector.params.classes)
    assert (detector.backend, detector.int8, detector.rect, detector.detect_every) == ("openvino", True, True, "auto")
    assert detector.batch == 4, "files run 4 frames as parallel OpenVINO requests"
    assert fast.tracker.type == dashcam.tracker.type == "bytetrack"
    assert [a.type for a in fast.annotators] == ["boxes", "labels"]
    assert [s.type for s in fast.sinks] == [s.type for s in dashcam.sinks] == ["video", "jsonl"]
    assert fast.sinks[0].params.preset == "ultrafast"
