"""`detect bench` for real: the CLI, a worker process, the torch model, 40 frames of TUD-Stadtmitte.

Speed is not asserted against a limit (docs/architecture.md: no wall-clock limits in tests), only
that it was measured and is consistent: the serial pass's stages explain its wall time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tracking_dir

REPO = Path(__file__).resolve().parents[2]


def detect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "detect", *args], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ), timeout=300, check=False)


@pytest.fixture(scope="module")
def tiny_bench(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> tuple[Path, subprocess.CompletedProcess]:
    sequence = tracking_dir() / "TUD-Stadtmitte"
    folder = tmp_path_factory.mktemp("bench")
    spec = folder / "tiny.yaml"
    spec.write_text(
        "detectors: [{model: yolo11n.pt, backend: torch}]\n"
        "trackers: [bytetrack]\n"
        f"clips: [{{path: {sequence / 'video.mp4'}, name: TUD, frames: 40, gt: {sequence}, classes: [person]}}]\n"
    )
    proc = detect("bench", str(spec), "--out", str(folder / "out"), "--quiet")
    return folder, proc


def test_tiny_real_bench_measures_speed_and_accuracy(tiny_bench: tuple[Path, subprocess.CompletedProcess]) -> None:
    folder, proc = tiny_bench
    assert proc.returncode == 0, proc.stderr + proc.stdout
    report = json.loads((folder / "out" / "bench.json").read_text())
    assert report["schema_version"] == 1 and report["summary"]["ok"] == 1
    result = report["combinations"][0]
    assert result["run"]["frames"] == 40 and result["run"]["backend"] == "torch"
    metrics = result["accuracy"]["metrics"]
    assert result["accuracy"]["frames"] == 40 and result["accuracy"]["classes"] == ["person"]
    for name in ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "AP50", "AP50-95"):
        assert 0.0 <= metrics[name] <= 100.0, name
    assert metrics["HOTA"] > 20 and metrics["AP50"] > 30, "a COCO person detector finds TUD's pedestrians"
    speed = result["speed"]
    assert speed["fps"] > 0 and speed["realtime_factor"] > 0 and speed["peak_rss_mb"] > 50
    assert speed["load_s"] > 0 and speed["warmup_s"] > 0 and 0 < speed["cpu_util_pct"] <= 100.0 + 1e-6
    assert 0.0 <= speed["background_cpu_pct"] <= 100.0 + 1e-6
    for stage in ("decode", "preprocess", "inference", "postprocess", "track", "encode"):
        assert speed["stages"][stage]["count"] == 40 and speed["stages"][stage]["p95_ms"] >= speed["stages"][stage]["p50_ms"]
    serial = speed["serial"]
    assert serial["ok"] and abs(serial["stage_sum_s"] / serial["wall_s"] - 1.0) <= 0.10, serial
    assert "| TUD | yolo11n/torch/640 | bytetrack | 40 |" in (folder / "out" / "bench.md").read_text()
    for png in ("bench_accuracy_vs_fps.png", "bench_stage_latency.png"):
        assert (folder / "out" / png).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "HOTA" in proc.stdout and "done: 1 run, 0 reused, 0 failed" in proc.stdout


def test_rerun_reuses_the_stored_result(tiny_bench: tuple[Path, subprocess.CompletedProcess]) -> None:
    folder, first = tiny_bench
    assert first.returncode == 0, first.stderr
    proc = detect("bench", str(folder / "tiny.yaml"), "--out", str(folder / "out"), "--quiet")
    assert proc.returncode == 0 and "done: 0 run, 1 reused, 0 failed" in proc.stdout, proc.stderr


def test_bad_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("detectors: [{conf: 5}]\ntrackers: [bytetrak]\nclips: [{path: /no/clip.mp4, ed: 3}]\n")
    proc = detect("bench", str(spec), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {spec}: ") and "Traceback" not in proc.stderr
    assert "clips[0].ed: unknown key 'ed' (did you mean 'end'?" in lines[0]
    spec.write_text("detectors: [{conf: 5}]\ntrackers: [bytetrak]\nclips: [{path: /no/clip.mp4}]\n")
    proc = detect("bench", str(spec), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and proc.stderr.startswith(f"error: {spec}: 3 problems: ")
    assert "trackers[0].type: unknown tracker 'bytetrak'" in proc.stderr


def test_a_failing_combination_is_reported_and_the_exit_code_says_so(tmp_path: Path, models_dir: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 4000)
    good = tracking_dir() / "TUD-Stadtmitte" / "video.mp4"
    spec = tmp_path / "failing.yaml"
    spec.write_text(f"detectors: [{{model: yolo11n.pt, backend: torch}}]\n"
                    f"clips: [{{path: {junk}}}, {{path: {good}, frames: 2}}]\n")
    proc = detect("bench", str(spec), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 3, proc.stderr  # partial: the report is complete, a combination failed
    assert "FAILED yolo11n/torch/640 | bytetrack | junk: source (video): not a video or corrupt" in proc.stdout
    report = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert report["summary"] == {"combinations": 2, "ok": 1, "failed": 1, "reused": 0}
    assert report["combinations"][1]["run"]["frames"] == 2
