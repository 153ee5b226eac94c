"""The CLI as a user meets it: a subprocess, one clear line on error, exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from detect import __version__

REPO = Path(__file__).resolve().parents[1]


def detect(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "detect", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=120)


@pytest.mark.parametrize("yaml_text,message", [
    ("source: {type: vide, path: x.mp4}\ndetector: {type: ultralytics}\n", "source.type: unknown source 'vide' (did you mean 'video'?"),
    ("source: {type: video, path: x.mp4\ndetector: 1\n", "YAML syntax error at line 2"),
    ("source: {type: video, path: x.mp4}\ndetector: {type: ultralytics, conf: 7}\ntracker: {type: bytetrak}\n", "2 problems"),
    ("source: {type: video, path: /no/such/clip.mp4}\ndetector: {type: ultralytics}\n", "video not found: /no/such/clip.mp4"),
])
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, yaml_text, message):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    proc = detect("run", str(config), "--quiet")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("yaml_text,problems", [
    ("source: {type: video, path: x.mp4}\ndetector: {type: ultralytics, conff: 0.3, iou: 2}\ntracker: {type: bytetrak}\n",
     ["detector.conff: unknown key 'conff'", "detector.iou: Input should be less than or equal to 1 (got 2)",
      "tracker.type: unknown tracker 'bytetrak'"]),
    ("source: {type: video, path: /no/such/clip.mp4}\ndetector: {type: ultralytics, classes: [cars, persn]}\n",
     ["video not found: /no/such/clip.mp4", "unknown class 'cars'", "unknown class 'persn'"]),
])
def test_validate_reports_every_problem_in_one_line(tmp_path: Path, models_dir, yaml_text, problems):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    proc = detect("validate", str(config))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {config}: {len(problems)} problems: ")
    assert all(problem in lines[0] for problem in problems), lines[0]


def test_not_a_video_is_one_line(tmp_path: Path, models_dir):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 5000)
    proc = detect("run", "configs/minimal.yaml", "--source", str(junk), "--quiet",
                  "--set", f"sinks.0.path={tmp_path / 'o.mp4'}")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "not a video or corrupt" in proc.stderr and "Traceback" not in proc.stderr


def test_help_list_and_validate(models_dir):
    assert "run" in detect("--help").stdout
    listing = detect("list").stdout
    assert "bytetrack" in listing and "conf: confidence threshold" in listing
    ok = detect("validate", "configs/dashcam.yaml")
    assert ok.returncode == 0 and ok.stdout.startswith("ok:")
    bad = detect("validate", "configs/dashcam.yaml", "--set", "detector.classes=[cars]", "--set", "detector.conf=2")
    assert bad.returncode == 2
    assert "unknown class 'cars'" in bad.stderr or "detector.conf" in bad.stderr


def test_validate_fast_config(models_dir):
    ok = detect("validate", "configs/fast.yaml")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: configs/fast.yaml")


def test_unknown_class_and_missing_model(models_dir, tmp_path: Path):
    bad = detect("validate", "configs/dashcam.yaml", "--set", "detector.classes=[cars, persn]")
    assert bad.returncode == 2 and "did you mean 'car'" in bad.stderr and "'person'" in bad.stderr
    missing = detect("validate", "configs/dashcam.yaml", "--set", "detector.model=nosuch.pt",
                     env={"YOLO_OFFLINE": "1"})
    assert missing.returncode == 2
    assert "model 'nosuch.pt' not found; looked in:" in missing.stderr


def test_version_and_readable_list_defaults():
    version = subprocess.run([sys.executable, "-m", "detect", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"detect {__version__}"
    listing = subprocess.run([sys.executable, "-m", "detect", "list"], capture_output=True, text=True).stdout
    assert "(default None)" not in listing and "ReconnectParams(" not in listing
    assert "end: stop at this second (exclusive) (optional)" in listing
    assert "reconnect: backoff after a stall or error (default {'initial': 0.5," in listing


def test_validate_knows_a_bench_spec(models_dir):
    done = subprocess.run([sys.executable, "-m", "detect", "validate", "configs/bench.yaml"], capture_output=True,
                          text=True, cwd=REPO)
    assert done.returncode == 0 and "a detect bench spec: 28 combinations" in done.stdout, done.stderr
