"""End to end with the real YOLO11n weights on real dashcam clips (never skipped in CI)."""

import json
from pathlib import Path

import av
import pytest
from conftest import decode_all

from detect.columns import CLASS_NAME, TRACK_ID
from detect.config import load
from detect.pipeline import build

REPO = Path(__file__).resolve().parents[1]


def longest_run(frames_by_id: dict[int, list[int]]) -> int:
    best = 0
    for frames in frames_by_id.values():
        run = 1
        for a, b in zip(frames, frames[1:]):
            run = run + 1 if b == a + 1 else 1
            best = max(best, run)
    return best


@pytest.mark.parametrize("clip,frames", [
    ("highway_udacity_vehicle_test_video.mp4", 38),
    ("urban_kitti_raw_2011_09_26_stopgo.mp4", 78),
])
def test_dashcam_clip_end_to_end(models_dir, shared_videos, tmp_path: Path, clip, frames):
    out = tmp_path
    config = load(REPO / "configs" / "dashcam.yaml", source=str(shared_videos / clip), overrides=[
        f"sinks=[{{type: video, path: {out / 'out.mp4'}}}, {{type: jsonl, path: {out / 'out.jsonl'}}}, {{type: mot, path: {out / 'out.txt'}}}]",
    ])
    result = build(config).run()
    assert result.frames == frames

    with av.open(str(out / "out.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
    assert len(decode_all(out / "out.mp4")) == frames

    records = [json.loads(line) for line in (out / "out.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(frames))
    cars = [d for r in records for d in r["detections"] if d[CLASS_NAME] == "car"]
    assert len(cars) >= frames, "cars should be found in (nearly) every frame"

    by_id: dict[int, list[int]] = {}
    for line in (out / "out.txt").read_text().splitlines():
        number, tid, left, top, width, height, conf, *rest = line.split(",")
        assert rest == ["-1", "-1", "-1"] and float(width) > 0 and float(height) > 0 and 0 < float(conf) <= 1
        by_id.setdefault(int(tid), []).append(int(number))
    car_ids = {d[TRACK_ID] for d in cars if d[TRACK_ID] is not None}
    assert longest_run({k: v for k, v in by_id.items() if k in car_ids}) >= 10
    assert min(min(v) for v in by_id.values()) >= 1
