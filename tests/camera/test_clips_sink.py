"""The clips sink on a static-camera scene: PETS09-S2L1's empty view around two stretches of people."""

from __future__ import annotations

import json
from pathlib import Path

import av
import cv2
import pytest
from camera_helpers import pets_scene

from detect.pipeline import Pipeline

PRE_S, POST_S = 1.0, 1.0


@pytest.fixture(scope="module")
def run(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], list[dict]]:
    """The PETS09 scene: 2 s empty, 4 s of people, 3 s empty, 4 s of people, 2 s empty (7 fps)."""
    out = tmp_path_factory.mktemp("clips")
    scene = pets_scene()
    config = {
        "source": {"type": "video", "path": str(scene / "video.mp4")},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["person"], "imgsz": 416},
        "tracker": {"type": "bytetrack"},
        "analytics": [{"type": "objects", "classes": ["person"], "min_hits": 3, "end_after_s": 0.5}],
        "sinks": [{"type": "clips", "path": str(out / "clips"), "stream": "pets", "pre_s": PRE_S, "post_s": POST_S},
                  {"type": "jsonl", "path": str(out / "run.jsonl")}],
    }
    result = Pipeline.from_dict(config).run()
    assert result.frames == 105
    frames = [r for r in map(json.loads, (out / "run.jsonl").read_text().splitlines()) if "event" not in r]
    index = [json.loads(line) for line in (out / "clips" / "pets" / "events.jsonl").read_text().splitlines()]
    return out / "clips" / "pets", frames, index


def test_each_clip_starts_pre_s_before_its_tracks_and_has_the_right_length(run) -> None:
    folder, frames, index = run
    seen: dict[int, list[float]] = {}
    for frame in frames:
        for box in frame["detections"]:
            if box["track_id"] is not None:
                seen.setdefault(box["track_id"], []).append(frame["pts"])
    clips = {record["clip"]: record for record in index}
    assert len(clips) == 2, "two stretches of people, separated by 3 s of empty view: two clips"
    assert len(index) >= 4 and all(r["class_name"] == "person" for r in index)
    for record in index:
        first = appearance_start(seen[record["track_id"]], record["start_pts"])
        assert record["clip_start_pts"] <= first - PRE_S + 1e-6
        assert record["clip_end_pts"] >= record["end_pts"] + POST_S - 1e-6
    for name, record in clips.items():
        with av.open(str(folder / name)) as container:
            decoded = [float(f.time) for f in container.decode(video=0)]
        expected = [f["pts"] for f in frames if record["clip_start_pts"] - 1e-6 <= f["pts"] <= record["clip_end_pts"] + 1e-6]
        assert len(decoded) == len(expected)
        assert decoded[-1] - decoded[0] == pytest.approx(expected[-1] - expected[0], abs=0.002)
    starts = sorted(r["clip_start_pts"] for r in clips.values())
    assert starts[0] == pytest.approx(2.0 - PRE_S, abs=0.2) and starts[1] == pytest.approx(9.0 - PRE_S, abs=0.2)


def test_snapshots_show_the_object(run) -> None:
    from ultralytics import YOLO

    folder, _, index = run
    model = YOLO(str(Path(__import__("os").environ["DETECT_MODELS_DIR"]) / "yolo11n.pt"))
    for record in index:
        image = cv2.imread(str(folder / record["snapshot"]))
        assert image is not None and image.shape == (576, 768, 3)
        x1, y1, x2, y2 = (int(round(v)) for v in record["box"])
        edge = image[y1:y2 + 1, x1 - 2].astype(int)  # the box's left side, drawn in red just outside it
        assert ((edge[:, 2] > 180) & (edge[:, 1] < 90)).mean() > 0.8, "the box is drawn"
        m = max(x2 - x1, y2 - y1)  # the box and its surroundings, enlarged: a small person becomes a big one
        top, left = max(0, y1 - m), max(0, x1 - m)
        crop = cv2.resize(image[top:y2 + m, left:x2 + m], None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
        box = [(x1 - left) * 3, (y1 - top) * 3, (x2 - left) * 3, (y2 - top) * 3]
        found = model(crop, classes=[0], verbose=False)[0].boxes.xyxy.numpy()
        assert len(found) and max(_iou(box, f) for f in found) > 0.5, f"a person inside {record['snapshot']}'s box"


def appearance_start(pts: list[float], near: float, gap_s: float = 0.5) -> float:
    """When the track's appearance that holds `near` began (a track id can come back after a gap)."""
    start = pts[0]
    for before, after in zip(pts, pts[1:]):
        if after > near + 1e-6:
            break
        if after - before > gap_s:
            start = after
    return start


def _iou(a, b) -> float:
    x1, y1, x2, y2 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
