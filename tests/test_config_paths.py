"""Paths written in a config resolve against the config file's folder (like docker-compose);
paths typed on the command line (--source, --out, --set, --model) and a from_dict mapping's
against the current directory; a bare model name is still looked up in $DETECT_MODELS_DIR."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO, SCRIPTED_CLI, pipeline_dict

from detect import Pipeline
from detect.config import load
from detect.config_paths import resolve_config_paths


def detect(*args: str, cwd: Path, cli: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(cli or [sys.executable, "-m", "detect"]), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_validate_the_shipped_configs_by_absolute_path_from_another_folder(models_dir: Path, tmp_path: Path) -> None:
    done = detect("validate", str(REPO / "configs" / "dashcam.yaml"), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("ok: "), done.stderr
    from_root = load("configs/dashcam.yaml") if Path.cwd() == REPO else load(REPO / "configs" / "dashcam.yaml")
    assert Path(from_root.sinks[0].params.path).resolve() == REPO / "runs" / "dashcam.mp4", \
        "configs/ write to the repository's runs/, as before"
    assert Path(from_root.source.params.path).resolve().parent == REPO / "sample_videos"


def test_a_config_with_relative_paths_runs_from_anywhere(make_clip, models_dir: Path, tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    for folder in (project / "configs", project / "clips", project / "models", elsewhere):
        folder.mkdir(parents=True)
    make_clip("project/clips/drive.mp4", frames=6)
    (project / "models" / "mine.pt").symlink_to(models_dir / "yolo11n.pt")
    config = project / "configs" / "job.yaml"
    config.write_text(yaml.safe_dump({
        "source": {"type": "video", "path": "../clips/drive.mp4"},
        "detector": {"type": "ultralytics", "model": "../models/mine.pt", "imgsz": 160},
        "tracker": {"type": "bytetrack"},
        "sinks": [{"type": "video", "path": "../out/job.mp4"}, {"type": "jsonl", "path": "../out/job.jsonl"}],
    }))
    done = detect("run", str(config), "--quiet", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (project / "out").iterdir()) == ["job.jsonl", "job.mp4"]
    assert list(elsewhere.iterdir()) == []

    (elsewhere / "mine.mp4").write_bytes((project / "clips" / "drive.mp4").read_bytes())
    typed = detect("run", str(config), "--quiet", "--source", "mine.mp4", "--set", "detector={type: scripted}",
                   "--set", "sinks.1.path=typed.jsonl", "--no-video", cwd=elsewhere, cli=SCRIPTED_CLI)
    assert typed.returncode == 0, typed.stderr
    lines = (elsewhere / "typed.jsonl").read_text().splitlines()
    assert len(lines) == 6 and json.loads(lines[0])["source"] == "mine.mp4", "--source and --set are cwd-relative"


def test_which_values_are_paths(tmp_path: Path) -> None:
    data = {
        "source": {"type": "images", "path": "shots/*.png"},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt", "calibration": "../calib"},
        "sinks": [{"type": "video", "path": "out/a.mp4"}, {"type": "jsonl", "path": "/abs/a.jsonl"},
                  {"type": "csv", "path": "~/a.csv"}, {"type": "mjpeg", "port": 8080}, {"type": "nosuch", "path": "x"}],
    }
    resolved = resolve_config_paths(data, "cfg/job.yaml")
    assert resolved["source"]["path"] == os.path.join("cfg", "shots", "*.png")
    assert resolved["detector"]["model"] == "yolo11n.pt", "a bare name stays a $DETECT_MODELS_DIR lookup"
    assert resolved["detector"]["calibration"] == "calib"
    assert [s.get("path") for s in resolved["sinks"]] == [os.path.join("cfg", "out", "a.mp4"), "/abs/a.jsonl",
                                                          "~/a.csv", None, "x"]
    assert resolve_config_paths({"detector": {"type": "ultralytics", "model": "models/m.pt"}}, "/c/j.yaml") == \
        {"detector": {"type": "ultralytics", "model": "/c/models/m.pt"}}
    assert resolve_config_paths({"source": {"type": "stream", "path": "rtsp://cam/1"}}, "/c/j.yaml") == \
        {"source": {"type": "stream", "path": "rtsp://cam/1"}}
    assert resolve_config_paths({"source": {"type": "webcam", "device": "video0"}}, "/c/j.yaml") == \
        {"source": {"type": "webcam", "device": "video0"}}


def test_from_yaml_resolves_against_the_file_and_from_dict_against_cwd(make_clip, tmp_path: Path) -> None:
    clip = make_clip("drive.mp4")
    data = pipeline_dict(Path("drive.mp4"), Path("out"), detector={"type": "scripted"})
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "job.yaml").write_text(yaml.safe_dump({**data, "source": {"type": "video",
                                                                                  "path": "../drive.mp4"}}))
    from_yaml = Pipeline.from_yaml(tmp_path / "sub" / "job.yaml", sinks__1__path="typed.jsonl")
    assert from_yaml.config.source.params.path == str(clip)
    assert from_yaml.config.sinks[0].params.path == str(tmp_path / "sub" / "out" / "out.mp4")
    assert from_yaml.config.sinks[1].params.path == "typed.jsonl", "keyword overrides are the caller's, cwd-relative"
    from_dict = Pipeline.from_dict(data)
    assert from_dict.config.source.params.path == "drive.mp4"
    assert from_dict.config.sinks[0].params.path == os.path.join("out", "out.mp4")
