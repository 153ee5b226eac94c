import json
import threading
from pathlib import Path

import pytest
from conftest import box_at, decode_all, pipeline_dict

from detect.columns import TRACK_ID
from detect.config import parse
from detect.contract import Sink
from detect.errors import StageError
from detect.pipeline import build
from detect.registry import sinks


def runtime_threads() -> list[str]:
    """Threads the runtime started and left behind (other tests' servers are not ours)."""
    return [t.name for t in threading.enumerate() if t.name.startswith("detect-")]


def run(config: dict, threaded: bool = True):
    return build(parse(config)).run(threaded=threaded)


def test_every_frame_reaches_every_sink(make_clip, tmp_path: Path):
    clip = make_clip(frames=18)
    result = run(pipeline_dict(clip, tmp_path))
    assert result.frames == 18
    assert len(decode_all(tmp_path / "out.mp4")) == 18
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(18))
    x1, y1, x2, y2 = box_at(12, 160, 96)
    assert records[12]["detections"][0]["xyxy"] == [x1, y1, x2, y2]
    ids = {r["detections"][0][TRACK_ID] for r in records[3:]}
    assert len(ids) == 1 and result.track_ids == ids
    mot = [line.split(",") for line in (tmp_path / "out.txt").read_text().splitlines()]
    tracked = [r["frame"] + 1 for r in records if r["detections"][0][TRACK_ID] is not None]
    assert [int(row[0]) for row in mot] == tracked
    assert all(len(row) == 10 and row[7:] == ["-1", "-1", "-1"] for row in mot)


def test_threaded_and_sync_runs_agree(make_clip, tmp_path: Path):
    clip = make_clip(frames=15)
    run(pipeline_dict(clip, tmp_path / "a"), threaded=True)
    run(pipeline_dict(clip, tmp_path / "b"), threaded=False)
    assert (tmp_path / "a" / "out.jsonl").read_text() == (tmp_path / "b" / "out.jsonl").read_text()
    assert (tmp_path / "a" / "out.txt").read_text() == (tmp_path / "b" / "out.txt").read_text()


@pytest.mark.parametrize("threaded", [True, False])
def test_detector_failure_names_stage_and_frame_and_closes_outputs(make_clip, tmp_path: Path, threaded):
    clip = make_clip(frames=30)
    config = pipeline_dict(clip, tmp_path, detector={"type": "scripted", "fail_at": 7})
    with pytest.raises(StageError, match=r"detector \(scripted\) failed at frame 7: RuntimeError: scripted failure"):
        run(config, threaded=threaded)
    frames = decode_all(tmp_path / "out.mp4")
    assert len(frames) == 7
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 7
    assert not runtime_threads()


@sinks.register("exploding")
class ExplodingSink(Sink):
    """Test sink that fails on its third frame."""

    Params = sinks.get("mot").Params

    def __init__(self, params) -> None:
        super().__init__(params)
        self.count = 0

    def open(self, info) -> None:
        pass

    def write(self, packet) -> None:
        self.count += 1
        if self.count == 3:
            raise OSError("disk full")

    def close(self) -> None:
        pass


def test_sink_failure_in_writer_thread_surfaces(make_clip, tmp_path: Path):
    clip = make_clip(frames=40)
    config = pipeline_dict(clip, tmp_path)
    config["sinks"].append({"type": "exploding", "path": "x"})
    with pytest.raises(StageError, match=r"sinks\[3\] \(exploding\) failed at frame 2: OSError: disk full"):
        run(config)
    assert (tmp_path / "out.mp4").exists()
    assert not runtime_threads()


def test_slow_detector_drops_nothing_from_a_file(make_clip, tmp_path: Path):
    clip = make_clip(frames=12)
    config = pipeline_dict(clip, tmp_path, detector={"type": "scripted", "delay_s": 0.02},
                           runtime={"queue_size": 1})
    assert run(config).frames == 12
    assert len(decode_all(tmp_path / "out.mp4")) == 12
