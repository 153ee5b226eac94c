"""Motion gating: the detector skips a static camera's empty view, ignores masked regions, and a
moving camera is recognised and let through."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
from camera_helpers import pets_scene
from conftest import shared_data

from detect.motion import MotionGate, MotionParams
from detect.pipeline import Pipeline
from detect.sinks.h264_file import H264File, to_yuv420

PEOPLE = [range(14, 42), range(63, 91)]
"""Frames of PETS09 people in the scene (the rest is the empty view)."""


def gated_run(source: Path, motion: dict | None, detector: dict) -> tuple[list, object]:
    config = {"source": {"type": "video", "path": str(source)}, "detector": detector,
              "tracker": {"type": "bytetrack"}, "sinks": []}
    if motion is not None:
        config["motion"] = motion
    packets = []
    result = Pipeline.from_dict(config).run(on_packet=packets.append)
    return packets, result


def test_the_detector_runs_only_while_something_moves_or_is_tracked(models_dir: Path) -> None:
    detector = {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["person"], "imgsz": 416}
    gated, result = gated_run(pets_scene() / "video.mp4", {}, detector)
    plain, plain_result = gated_run(pets_scene() / "video.mp4", None, detector)
    assert result.frames == plain_result.frames == 105 and plain_result.detected == 105
    detected = {p.frame.index for p in gated if p.detected}
    assert set(PEOPLE[0]) | set(PEOPLE[1]) <= detected, "every frame with people goes to the detector"
    empty = set(range(105)) - set(PEOPLE[0]) - set(PEOPLE[1])
    assert len(empty - detected) >= 30, "most of the 49 empty frames skip it"
    assert result.detected == len(detected) < 80
    assert all(len(p.detections) == 0 for p in gated if not p.detected), "nothing to coast on an empty view"
    tracked = [len(p.detections) for p in gated if p.frame.index in PEOPLE[0]]
    assert tracked == [len(p.detections) for p in plain if p.frame.index in PEOPLE[0]], "same tracks while busy"
    assert all(p.motionless for p in gated if not p.detected)
    assert track_ids(gated, PEOPLE[1]) == track_ids(plain, PEOPLE[1]), "lost tracks aged alike through the empty view"


def track_ids(packets: list, frames: range) -> list[list[int]]:
    return [sorted(int(t) for t in p.detections.tracker_id) for p in packets if p.frame.index in frames]


def test_motion_inside_an_ignore_polygon_does_not_wake_the_detector(make_clip, tmp_path: Path) -> None:
    """A still noisy view with a blinking cyan patch (a burnt-in clock); the scripted detector
    sees only the bright square that enters at frame 30."""
    clip = tmp_path / "clock.mp4"
    rng = np.random.default_rng(1)
    video = H264File(clip, (320, 192), 10)
    for i in range(45):
        image = np.clip(90 + rng.normal(0, 2, (192, 320, 3)), 0, 255).astype(np.uint8)
        image[10:30, 250:310] = (255, 255, 0) if i % 2 else (0, 0, 0)
        if i >= 30:
            image[100:130, 4 * (i - 30):4 * (i - 30) + 30] = (0, 200, 255)
        video.write(to_yuv420(image, (320, 192)), i / 10)
    video.close()
    scripted = {"type": "scripted"}
    unmasked, _ = gated_run(clip, {}, scripted)
    masked, result = gated_run(clip, {"ignore": [[[240, 0], [320, 0], [320, 40], [240, 40]]]}, scripted)
    assert all(p.detected for p in unmasked), "the blinking patch counts as motion"
    assert [p.frame.index for p in masked if p.detected] == [0, *range(30, 45)]
    assert all(len(p.detections) == 1 for p in masked if p.frame.index >= 32)


def frames(path: Path, count: int):
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= count:
                return
            yield frame.to_ndarray(format="bgr24")


def test_a_moving_camera_is_recognised_and_let_through(caplog) -> None:
    dashcam = shared_data() / "videos" / "urban_kitti_raw_2011_09_26_stopgo.mp4"  # 10 fps, driving
    gate = MotionGate(MotionParams())
    gate.fps = 10
    with caplog.at_level(logging.WARNING, logger="detect.motion"):
        moving = [gate.moving(image) for image in frames(dashcam, 40)]
    assert gate.camera_moves and all(moving[20:])
    assert "static cameras" in caplog.text
    static = MotionGate(MotionParams())
    static.fps = 7
    for image in frames(tracking_dir_video("PETS09-S2L1"), 100):
        static.moving(image)
        assert not static.camera_moves


def tracking_dir_video(name: str) -> Path:
    return shared_data() / "tracking" / name / "video.mp4"
