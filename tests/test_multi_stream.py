"""Several named streams in one process, on real clips and the real model: the same output per
stream as one-stream runs, per-stream track ids, a bad stream isolated, the config shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import decode_all

from detect.cli import main
from detect.columns import CLASS_NAME, STREAM, TRACK_ID
from detect.config import load_yaml, parse
from detect.config_paths import read_config
from detect.errors import ConfigError
from detect.multi_runtime import MultiPipeline
from detect.pipeline import build
from detect.streams import parse_streams, sources_as_streams

REPO = Path(__file__).resolve().parents[1]
WHITE = "highway_udacity_solidWhiteRight.mp4"
VEHICLES = "highway_udacity_vehicle_test_video.mp4"
SECONDS = 1.0
"""25 frames of each clip: enough for tracks to form, short enough for a 2-core CI."""


def dashcam(out: Path) -> dict:
    """configs/dashcam.yaml (detector, tracker, annotators) with per-stream outputs in `out`."""
    data = load_yaml(REPO / "configs" / "dashcam.yaml")
    data["sinks"] = [{"type": "video", "path": str(out / "{stream}.mp4"), "preset": "ultrafast"},
                     {"type": "jsonl", "path": str(out / "{stream}.jsonl")}]
    return data


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def frames_of(lines: list[dict]) -> list[dict]:
    return [r for r in lines if "event" not in r]


@pytest.fixture(scope="module")
def runs(shared_videos: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two one-stream runs, then one two-stream run (batch 4 across streams, a shared JSONL)."""
    out = tmp_path_factory.mktemp("multi")
    for name, clip in (("white", WHITE), ("vehicles", VEHICLES)):
        data = dashcam(out / "single")
        data["source"] = {"type": "video", "path": str(shared_videos / clip), "end": SECONDS}
        data["sinks"] = [{"type": "jsonl", "path": str(out / "single" / f"{name}.jsonl")}]
        build(parse(data)).run()
    data = dashcam(out / "multi")
    data.pop("source")
    data["detector"]["batch"] = 4
    data["streams"] = {name: {"type": "video", "path": str(shared_videos / clip), "end": SECONDS}
                       for name, clip in (("white", WHITE), ("vehicles", VEHICLES))}
    data["sinks"].append({"type": "jsonl", "path": str(out / "multi" / "all.jsonl")})
    run = MultiPipeline(parse_streams(data))
    outcomes = run.run()
    assert [o.error for o in outcomes] == [None, None]
    assert run.scheduler.images / run.scheduler.calls > 1.5, "frames of both streams share detector calls"
    return out


@pytest.mark.parametrize("name", ["white", "vehicles"])
def test_each_stream_writes_what_a_one_stream_run_writes(runs: Path, name: str):
    single = records(runs / "single" / f"{name}.jsonl")
    multi = records(runs / "multi" / f"{name}.jsonl")
    assert len(single) == len(multi) == 25
    for a, b in zip(single, multi):
        assert a["frame"] == b["frame"] and a["pts"] == b["pts"] and b[STREAM] == name
        assert [(d[CLASS_NAME], d[TRACK_ID]) for d in a["detections"]] == \
            [(d[CLASS_NAME], d[TRACK_ID]) for d in b["detections"]], f"frame {a['frame']}"
        for da, db in zip(a["detections"], b["detections"]):
            np.testing.assert_allclose(da["xyxy"], db["xyxy"], atol=0.5)
            assert abs(da["conf"] - db["conf"]) < 2e-3
    video = decode_all(runs / "multi" / f"{name}.mp4")
    assert len(video) == 25


def test_track_ids_are_per_stream(runs: Path):
    ids = {name: {d[TRACK_ID] for r in frames_of(records(runs / "multi" / f"{name}.jsonl"))
                  for d in r["detections"] if d[TRACK_ID] is not None}
           for name in ("white", "vehicles")}
    assert min(ids["white"]) == 1 and min(ids["vehicles"]) == 1, "each stream counts from 1"
    assert len(ids["white"]) >= 3 and len(ids["vehicles"]) >= 2


def test_a_shared_jsonl_holds_every_streams_lines_in_each_streams_order(runs: Path):
    shared = frames_of(records(runs / "multi" / "all.jsonl"))
    for name in ("white", "vehicles"):
        mine = [r for r in shared if r[STREAM] == name]
        assert mine == frames_of(records(runs / "multi" / f"{name}.jsonl"))


def test_a_bad_stream_is_reported_and_the_good_one_completes(shared_videos: Path, models_dir: Path,
                                                             tmp_path: Path, capsys: pytest.CaptureFixture):
    data = (shared_videos / VEHICLES).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) * 6 // 10])
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    config = dashcam(tmp_path / "out")
    config.pop("source")
    config["streams"] = {"good": {"type": "video", "path": str(shared_videos / WHITE), "end": SECONDS},
                         "truncated": str(truncated), "garbage": str(garbage)}
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(config))
    code = main(["run", str(path), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 3, (out, err)
    assert "error: stream garbage: " in err and "warning: stream truncated: " in err and "truncated?" in err
    assert "1 of 3 streams complete" in out
    assert len(frames_of(records(tmp_path / "out" / "good.jsonl"))) == 25
    assert len(decode_all(tmp_path / "out" / "good.mp4")) == 25
    cut = frames_of(records(tmp_path / "out" / "truncated.jsonl"))
    assert 0 < len(cut) < 38 and len(decode_all(tmp_path / "out" / "truncated.mp4")) == len(cut)
    assert not list((tmp_path / "out").glob("garbage*")), "a stream that never opened writes nothing"


def test_sources_become_streams_named_after_their_files():
    data = sources_as_streams({"source": {"type": "video", "path": "x.mp4", "end": 3}},
                              ["a/front.mp4", "b/front.mp4", "rear.mkv", "0", "rtsp://cam/live"])
    assert list(data["streams"]) == ["front", "front-2", "rear", "camera0", "live"]
    assert data["streams"]["rear"] == {"type": "video", "path": "rear.mkv", "end": 3}
    assert "source" not in data


def test_overrides_and_stream_names_in_paths(tmp_path: Path):
    configs = parse_streams({
        "streams": {"front": "front.mp4", "rear": {"type": "video", "path": "rear.mp4"}},
        "detector": {"type": "scripted"}, "tracker": {"type": "bytetrack"},
        "sinks": [{"type": "jsonl", "path": str(tmp_path / "{stream}.jsonl")}],
        "overrides": {"rear": {"tracker": {"type": "none"}}},
    })
    front, rear = (c.config for c in configs)
    assert front.tracker.type == "bytetrack" and rear.tracker.type == "none"
    assert front.sinks[0].params.path == str(tmp_path / "front.jsonl")


@pytest.mark.parametrize("config,message", [
    ({"overrides": {"rear": {"detector": {"conf": 0.5}}}}, "one detector is shared by every stream"),
    ({"overrides": {"reer": {"tracker": {"type": "none"}}}}, "did you mean 'rear'?"),
    ({"source": {"type": "video", "path": "x.mp4"}}, "not both"),
    ({"streams": {"a b": "x.mp4"}}, "a stream name is letters"),
    ({"streams": {"front": {"type": "vidoe"}}}, "streams.front: source.type: unknown source 'vidoe'"),
])
def test_config_mistakes_are_named(config: dict, message: str):
    data = {"streams": {"front": "front.mp4", "rear": "rear.mp4"}, "detector": {"type": "scripted"}, **config}
    with pytest.raises(ConfigError, match=message):
        parse_streams(data)


def test_a_streams_config_is_not_one_pipeline():
    with pytest.raises(ConfigError, match="runs with `detect run`"):
        parse({"streams": {"a": "a.mp4"}, "detector": {"type": "scripted"}})


def test_validate_refuses_a_video_file_shared_by_streams(shared_videos: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture):
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump({
        "streams": {"a": str(shared_videos / WHITE), "b": str(shared_videos / VEHICLES)},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt"},
        "sinks": [{"type": "video", "path": str(tmp_path / "all.mp4")},
                  {"type": "jsonl", "path": str(tmp_path / "all.jsonl")}],
    }))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "all.mp4 would be written by streams a, b" in err and "{stream}" in err
    assert "all.jsonl" not in err, "a JSONL file may be shared"
    path.write_text(path.read_text().replace("all.mp4", "'{stream}.mp4'"))
    assert main(["validate", str(path)]) == 0
    assert "(2 streams)" in capsys.readouterr().out


def test_the_example_config_validates_from_any_directory(models_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(REPO / "configs" / "multi.yaml")]) == 0
    configs = parse_streams(read_config(REPO / "configs" / "multi.yaml"))
    assert Path(configs[0].config.source.params.path).resolve() == (REPO.parent / "shared" / "data" / "videos" /
                                                                    WHITE).resolve()
    assert Path(configs[0].config.sinks[0].params.path).resolve() == (REPO / "runs" / "multi" / "white.mp4")
