"""Images in, images out: an image, a folder or a glob gives an annotated image per input (its own
size, name and format) and one JSONL record naming its file; unrelated stills are never tracked;
a sequence of frames opts into tracking and one video with --as-video / `as_video: true`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import (
    REPO,
    SCRIPTED_CLI,
    decode_all,
    pipeline_dict,
    require,
    shared_data,
    tracking_dir,
)

from detect import Pipeline
from detect.config import parse
from detect.errors import ConfigError
from detect.sinks.video import VideoSink
from detect.types import Detections, Frame, Packet, SourceInfo

UDACITY = "highway_udacity_vehicle_test_video.mp4"
PNG_MAGIC, JPEG_MAGIC = b"\x89PNG", b"\xff\xd8\xff"


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three KITTI object stills (1224x370, 1242x375 PNG) and a 1280x720 Udacity frame (JPEG)."""
    folder = tmp_path_factory.mktemp("shots") / "photos"
    folder.mkdir()
    kitti = sorted((shared_data() / "stills" / "kitti_object" / "image_2").glob("*.png"))
    assert len(kitti) == 3
    for path in kitti:
        (folder / path.name).write_bytes(path.read_bytes())
    clip = require(shared_data() / "videos" / UDACITY, "the Udacity clip")
    with av.open(str(clip)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == 30:
                cv2.imwrite(str(folder / "udacity_frame.jpg"), frame.to_ndarray(format="bgr24"))
                break
    return folder


def sizes(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: cv2.imread(str(p)).shape[1::-1] for p in sorted(folder.iterdir())}


def records(path: Path) -> list[dict]:
    return [r for r in map(json.loads, path.read_text().splitlines()) if "frame" in r]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_a_folder_of_mixed_sizes_gives_an_image_each_never_tracked(photos: Path, models_dir: Path) -> None:
    cwd = photos.parent
    done = run([sys.executable, "-m", "detect", "run", "photos", "--quiet"], cwd)
    assert done.returncode == 0, done.stderr
    assert "-> runs/photos/, runs/photos.jsonl" in done.stdout and "tracks" not in done.stdout
    out = cwd / "runs" / "photos"
    assert sizes(out) == sizes(photos) == {"000000.png": (1224, 370), "000001.png": (1242, 375),
                                           "000002.png": (1242, 375), "udacity_frame.jpg": (1280, 720)}
    assert (out / "000000.png").read_bytes()[:4] == PNG_MAGIC
    assert (out / "udacity_frame.jpg").read_bytes()[:3] == JPEG_MAGIC
    lines = records(cwd / "runs" / "photos.jsonl")
    assert [r["file"] for r in lines] == [f"photos/{name}" for name in sizes(photos)]
    assert all(d["track_id"] is None for r in lines for d in r["detections"])
    drawn = [r["file"] for r in lines if r["detections"]]
    assert len(drawn) >= 3, "the real model finds something in most of these photos"
    for name in drawn:
        assert not np.array_equal(cv2.imread(str(cwd / "runs" / name)), cv2.imread(str(cwd / name))), \
            f"{name}: boxes are drawn on the output"

    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run([*SCRIPTED_CLI, "run", "photos", "--quiet", "--set", "detector={type: scripted}"], cwd)
    assert again.returncode == 0, again.stderr
    assert "-> runs/photos-2/, runs/photos-2.jsonl" in again.stdout
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "an earlier run's images are kept"
    assert sizes(cwd / "runs" / "photos-2") == sizes(photos)


def test_one_image_and_a_config_with_another_source(make_clip, tmp_path: Path) -> None:
    image = np.full((90, 150, 3), 40, np.uint8)
    image[30:60, 50:80] = (0, 200, 255)
    cv2.imwrite(str(tmp_path / "shot.png"), image)
    single = run([*SCRIPTED_CLI, "run", "shot.png", "--quiet", "--set", "detector={type: scripted}"], tmp_path)
    assert single.returncode == 0, single.stderr
    assert sizes(tmp_path / "runs" / "shot") == {"shot.png": (150, 90)}
    [line] = records(tmp_path / "runs" / "shot.jsonl")
    assert line["file"] == "shot.png" and [d["track_id"] for d in line["detections"]] == [None]

    config = tmp_path / "job.yaml"
    config.write_text(json.dumps(pipeline_dict(make_clip(), Path("out"), detector={"type": "scripted"})))
    on_image = run([*SCRIPTED_CLI, "run", str(config), "--source", "shot.png", "--quiet"], tmp_path)
    assert on_image.returncode == 0, on_image.stderr
    assert sizes(tmp_path / "out" / "out") == {"shot.png": (150, 90)}, "the config's video sink writes images"
    assert not (tmp_path / "out" / "out.mp4").exists()
    second = run([*SCRIPTED_CLI, "run", str(config), "--source", "shot.png", "--quiet"], tmp_path)
    assert "out/out-2/, " in second.stdout, "a second run on stills does not write into the first one's folder"


def test_stream_on_stills_yields_each_image_untracked(photos: Path, models_dir: Path) -> None:
    pipeline = Pipeline.from_yaml(REPO / "configs" / "dashcam.yaml")
    results = list(pipeline.stream(str(photos), images=True))
    assert [Path(r.file).name for r in results] == list(sizes(photos))
    assert [r.image.shape[1::-1] for r in results] == list(sizes(photos).values())
    assert all(r.detections.tracker_id is None for r in results)
    assert sum(len(r.detections) for r in results) > 0


def test_as_video_tracks_a_kitti_sequence_into_one_mp4(models_dir: Path, tmp_path: Path) -> None:
    frames = tracking_dir() / "KITTI-17" / "img1"
    pattern = f"{frames}/0000[0-2]*.jpg"
    done = run([sys.executable, "-m", "detect", "run", pattern, "--as-video", "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "-> runs/img1.mp4, runs/img1.jsonl" in done.stdout
    video = decode_all(tmp_path / "runs" / "img1.mp4")
    first = cv2.imread(str(frames / "000001.jpg"))
    assert len(video) == 29 and video[0].shape[:2] == (first.shape[0] // 2 * 2, first.shape[1] // 2 * 2)
    lines = records(tmp_path / "runs" / "img1.jsonl")
    assert [Path(r["file"]).name for r in lines] == [f"{i:06d}.jpg" for i in range(1, 30)]
    seen = Counter(d["track_id"] for r in lines for d in r["detections"] if d["track_id"] is not None)
    assert seen and seen.most_common(1)[0][1] >= 15, "a pedestrian keeps its id over the sequence"

    stills = list(Pipeline.from_yaml(REPO / "configs" / "dashcam.yaml").stream(f"{frames}/00000[1-6].jpg"))
    assert len(stills) == 6 and all(len(r.detections) for r in stills)
    assert all(r.detections.tracker_id is None for r in stills), "the same frames as stills: no tracker"
    sequence = Pipeline.from_yaml(REPO / "configs" / "dashcam.yaml", source=f"{frames}/00000[1-6].jpg",
                                  source__as_video=True)
    assert any((r.detections.tracker_id > 0).any() for r in sequence.stream() if r.detections.tracker_id is not None)


def test_the_config_flag_and_what_stills_turn_a_pipeline_into(tmp_path: Path) -> None:
    base = pipeline_dict(Path("x.mp4"), tmp_path)
    stills = parse({**base, "source": {"type": "images", "path": str(tmp_path)}})
    assert stills.tracker is None
    assert [(s.type, s.params.path) for s in stills.sinks] == [
        ("images", str(tmp_path / "out")), ("jsonl", str(tmp_path / "out.jsonl")), ("mot", str(tmp_path / "out.txt"))]
    sequence = parse({**base, "source": {"type": "images", "path": str(tmp_path), "as_video": True}})
    assert sequence.tracker is not None and [s.type for s in sequence.sinks] == ["video", "jsonl", "mot"]
    assert parse(base).tracker is not None and parse(base).sinks[0].type == "video"
    skipping = {**base, "source": {"type": "images", "path": str(tmp_path)},
                "detector": {"type": "ultralytics", "detect_every": "auto"}}
    assert parse(skipping).detector.params.detect_every == 1, "no tracker fills in skipped images"


def test_writing_images_into_the_input_folder_is_refused(photos: Path) -> None:
    config = {**pipeline_dict(photos, photos), "source": {"type": "images", "path": str(photos)},
              "sinks": [{"type": "images", "path": str(photos)}]}
    with pytest.raises(ConfigError, match="holds this run's input images"):
        Pipeline.from_dict(config)


def test_a_sequence_frame_of_another_size_is_letterboxed_not_stretched(tmp_path: Path) -> None:
    sink = VideoSink(VideoSink.Params(path=str(tmp_path / "v.mp4")))
    sink.open(SourceInfo(width=128, height=96, fps=10.0, total_frames=2, source_id="x"))
    for index, (w, h) in enumerate([(128, 96), (128, 32)]):
        frame = Frame(image=np.full((h, w, 3), 255, np.uint8), index=index, pts_s=index / 10, source_id="x")
        sink.write(Packet(frame=frame, detections=Detections.empty()))
    sink.close()
    wide = decode_all(tmp_path / "v.mp4")[1]
    assert wide.shape[:2] == (96, 128)
    assert wide[:28].max() < 40 and wide[-28:].max() < 40, "black bands above and below"
    assert wide[36:60].min() > 215, "the picture keeps its 4:1 aspect in the middle"
