"""Where a frame's CPU goes: the per-stage table bench_speed.py prints, the run's own CPU figure,
and the looped clips the speed benchmark times on. No timing is asserted, only that every stage
is measured, on the real frames, without touching the config's outputs."""

import importlib.util
from pathlib import Path

import av
import pytest

from detect.bench.stage_cpu import measure
from detect.cli import main
from detect.config import load

REPO = Path(__file__).resolve().parents[1]
CLIP = "highway_udacity_vehicle_test_video.mp4"
TORCH = ["detector.backend=torch", "detector.int8=false", "detector.detect_every=1"]


def test_every_stage_of_fast_yaml_is_measured_on_the_clip(shared_videos, models_dir, tmp_path):
    out = tmp_path / "outputs"
    config = load(str(REPO / "configs" / "fast.yaml"),
                  [*TORCH, f"sinks.0.path={out}/fast.mp4", f"sinks.1.path={out}/fast.jsonl"],
                  str(shared_videos / CLIP))
    result = measure(config, max_frames=12)
    assert (result.frames, result.width, result.height) == (12, 1280, 720)
    assert list(result.ms) == ["decode", "to_bgr", "preprocess", "inference", "postprocess", "track", "annotate",
                               "to_yuv", "encode", "jsonl"]
    assert all(value >= 0 for value in result.ms.values())
    assert min(result.ms["decode"], result.ms["inference"], result.ms["encode"]) > 0
    assert result.outside_inference_ms == pytest.approx(sum(result.ms.values()) - result.inference_ms)
    assert result.outside_share == pytest.approx(result.outside_inference_ms / result.inference_ms)
    assert "% of inference" in result.table()
    assert not out.exists(), "the measurement writes its outputs to a temporary folder"


def test_a_verbose_run_prints_its_stages_and_process_cpu(shared_videos, models_dir, tmp_path, capsys):
    code = main(["run", str(REPO / "configs" / "fast.yaml"), "--verbose", "--source", str(shared_videos / CLIP),
                 *[a for s in TORCH for a in ("--set", s)], "--set", "source.end=0.3",
                 "--set", f"sinks.0.path={tmp_path}/b.mp4", "--set", f"sinks.1.path={tmp_path}/b.jsonl"])
    assert code == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("speed: "))
    for stage in ("decode", "preprocess", "inference", "track", "annotate", "encode"):
        assert f" {stage} " in line
    cpu = float(line.split("process CPU ")[1].split(" ms")[0])
    assert cpu > 0


def _bench_speed():
    spec = importlib.util.spec_from_file_location("bench_speed", REPO / "scripts" / "bench_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_looped_clip_has_the_frames_size_and_is_reused(shared_videos, tmp_path):
    bench = _bench_speed()
    source = shared_videos / "urban_kitti_raw_2011_09_26_stopgo.mp4"
    looped, frames = bench.looped_clip(source, 100, tmp_path)
    assert looped.name == "urban_kitti_raw_2011_09_26_stopgo_x2.mp4"
    with av.open(str(source)) as original, av.open(str(looped)) as copy:
        count = sum(1 for _ in original.decode(video=0))
        stream = copy.streams.video[0]
        assert frames == 2 * count == sum(1 for _ in copy.decode(stream))
        assert (stream.width, stream.height) == (original.streams.video[0].width, original.streams.video[0].height)
    stamp = looped.stat().st_mtime_ns
    assert bench.looped_clip(source, 100, tmp_path) == (looped, frames)
    assert looped.stat().st_mtime_ns == stamp, "an existing loop is reused, not encoded again"
    assert bench.clip_name(Path("/data/tracking/MOT16-11/video.mp4")) == "MOT16-11"
