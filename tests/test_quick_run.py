"""`detect run SOURCE` with no YAML: the dashcam pipeline, flags for the everyday knobs, outputs
named after the source that never replace an earlier run's silently."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SCRIPTED_CLI

from detect.detectors.ultralytics_yolo import UltralyticsDetector, class_ids
from detect.errors import ConfigError
from detect.quick_run import DEFAULT_PIPELINE, add_run_flags, quick_pipeline


def flags(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_run_flags(parser)
    return parser.parse_args(list(argv))


def test_the_default_pipeline_is_configs_dashcam_yaml() -> None:
    dashcam = yaml.safe_load((REPO / "configs" / "dashcam.yaml").read_text())
    assert {k: v for k, v in dashcam.items() if k not in ("source", "sinks")} == DEFAULT_PIPELINE


def test_outputs_are_named_after_the_source_and_flags_apply(tmp_path: Path) -> None:
    data = quick_pipeline("clips/drive.mp4", flags("--out", str(tmp_path), "--classes", "car,0", "--conf", "0.4",
                                                   "--tracker", "botsort", "--model", "yolov8n.pt"))
    assert data["source"] == {"type": "video", "path": "clips/drive.mp4"}
    assert [s["path"] for s in data["sinks"]] == [str(tmp_path / "drive.mp4"), str(tmp_path / "drive.jsonl")]
    assert data["detector"]["classes"] == "car,0" and data["detector"]["conf"] == 0.4
    assert data["detector"]["model"] == "yolov8n.pt" and data["tracker"]["type"] == "botsort"
    assert UltralyticsDetector.Params(**{k: v for k, v in data["detector"].items() if k != "type"}).classes == ["car", 0]
    (tmp_path / "frames").mkdir()
    only = quick_pipeline(f"{tmp_path / 'frames'}/", flags("--jsonl-only", "--out", str(tmp_path)))
    assert only["annotators"] == [] and [s["type"] for s in only["sinks"]] == ["jsonl"]
    assert only["sinks"][0]["path"] == str(tmp_path / "frames.jsonl") and only["source"]["type"] == "images"
    assert quick_pipeline("0", flags())["source"] == {"type": "webcam", "device": 0}


def test_out_given_a_file_name_names_the_outputs_after_it(tmp_path: Path) -> None:
    named = quick_pipeline("clips/drive.mp4", flags("--out", str(tmp_path / "result.mp4")))
    assert [s["path"] for s in named["sinks"]] == [str(tmp_path / "result.mp4"), str(tmp_path / "result.jsonl")]
    only = quick_pipeline("clips/drive.mp4", flags("--jsonl-only", "--out", str(tmp_path / "boxes.jsonl")))
    assert [s["path"] for s in only["sinks"]] == [str(tmp_path / "boxes.jsonl")]
    with pytest.raises(ConfigError, match=r"--out .*a\.mp4: this run writes \.jsonl; give a folder"):
        quick_pipeline("clips/drive.mp4", flags("--jsonl-only", "--out", str(tmp_path / "a.mp4")))
    (tmp_path / "kept.mp4").mkdir()
    folder = quick_pipeline("clips/drive.mp4", flags("--out", str(tmp_path / "kept.mp4")))
    assert [s["path"] for s in folder["sinks"]] == [str(tmp_path / "kept.mp4" / "drive.mp4"),
                                                    str(tmp_path / "kept.mp4" / "drive.jsonl")], "an existing folder stays a folder"


def test_out_naming_the_input_is_refused_before_the_run(tmp_path: Path, shared_videos: Path) -> None:
    clip = tmp_path / "drive.mp4"
    clip.write_bytes((shared_videos / "highway_udacity_solidWhiteRight.mp4").read_bytes())
    before = clip.read_bytes()
    run = subprocess.run([*SCRIPTED_CLI, "run", str(clip), "--out", str(clip), "--exist-ok", "--quiet",
                          "--set", "detector={type: scripted}"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert clip.read_bytes() == before


def test_an_earlier_run_is_never_replaced_silently(tmp_path: Path) -> None:
    (tmp_path / "drive.jsonl").write_text("earlier")
    (tmp_path / "drive-2.mp4").write_text("earlier")
    numbered = quick_pipeline("drive.mp4", flags("--out", str(tmp_path)))
    assert [Path(s["path"]).name for s in numbered["sinks"]] == ["drive-3.mp4", "drive-3.jsonl"]
    replaced = quick_pipeline("drive.mp4", flags("--out", str(tmp_path), "--exist-ok"))
    assert [Path(s["path"]).name for s in replaced["sinks"]] == ["drive.mp4", "drive.jsonl"]


def test_classes_by_name_or_id() -> None:
    labels = ("person", "bicycle", "car")
    assert UltralyticsDetector.Params(classes="person").classes == ["person"]
    assert class_ids(UltralyticsDetector.Params(classes="0,2").classes, labels) == [0, 2]
    with pytest.raises(ConfigError, match=r"class id 7 is not in this model \(0..2\)"):
        class_ids([7], labels)


def test_detect_run_on_a_video_twice(make_clip, tmp_path: Path) -> None:
    clip = make_clip(frames=8)
    run = [*SCRIPTED_CLI, "run", str(clip), "--out", str(tmp_path / "out"), "--quiet", "--set", "detector={type: scripted}"]
    first = subprocess.run(run, capture_output=True, text=True, timeout=120)
    second = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip-2.jsonl", "clip-2.mp4", "clip.jsonl",
                                                                     "clip.mp4"]
    assert "clip-2.mp4" in second.stdout
