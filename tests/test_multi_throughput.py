"""The shared detector of a multi-stream run keeps both cores busy without changing a box: each
stream prepares and decodes its own frames, the network runs a batch's frames in parallel
(throughput mode) with two calls at once, and a live stream keeps the whole run in latency mode."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import decode_all

from detect.batch_scheduler import BatchScheduler
from detect.contract import PhasedDetector
from detect.detectors.ultralytics_yolo import UltralyticsDetector
from detect.multi_runtime import MultiPipeline
from detect.streams import parse_streams
from detect.types import Detections, SourceInfo

CLIP = "highway_udacity_solidWhiteRight.mp4"
MODELS = ["yolo11n.pt", "yolo11n_int8_openvino_model"]
"""torch, and the shared INT8 OpenVINO export (no export at test time)."""


@pytest.fixture(scope="module")
def frames(shared_videos: Path) -> list[np.ndarray]:
    return decode_all(shared_videos / CLIP)[:48:3]


def opened(model: str, frames: list[np.ndarray], batch: int, live: bool = False) -> UltralyticsDetector:
    detector = UltralyticsDetector(UltralyticsDetector.Params(model=model, batch=batch))
    h, w = frames[0].shape[:2]
    detector.open(SourceInfo(width=w, height=h, fps=25, total_frames=None, source_id="x", live=live))
    return detector


def assert_same_boxes(expected: list[Detections], got: list[Detections]) -> None:
    assert sum(len(d) for d in expected) >= 4 * len(expected), "the clip should have cars"
    assert [len(d) for d in got] == [len(d) for d in expected]
    for a, b in zip(expected, got, strict=True):
        assert np.array_equal(a.class_id, b.class_id)
        assert np.allclose(a.xyxy, b.xyxy, atol=0.5)


@pytest.mark.parametrize("model", MODELS)
def test_throughput_mode_from_two_threads_gives_the_latency_modes_boxes(frames, model):
    """Batches of 4 in throughput mode, two calls at once (as a multi-stream run's two scheduler
    threads make them): every frame's boxes as one frame at a time in latency mode."""
    latency = opened(model, frames, batch=1)
    try:
        assert latency._backend.mode == "latency" and latency.concurrent_calls == 1
        expected = [latency.detect([f])[0] for f in frames]
    finally:
        latency.close()
    detector = opened(model, frames, batch=4)
    try:
        assert detector._backend.mode == "throughput" and detector.concurrent_calls == 2
        batches = [frames[i:i + 4] for i in range(0, len(frames), 4)]
        with ThreadPoolExecutor(2) as pool:
            got = [d for found in pool.map(detector.detect, batches) for d in found]
    finally:
        detector.close()
    assert_same_boxes(expected, got)
    live = opened(model, frames, batch=4, live=True)
    try:
        assert live._backend.mode == "latency", "a live source keeps the shortest wait per frame"
    finally:
        live.close()


def test_phases_are_detect(frames):
    """prepare -> infer_prepared -> finish, as a multi-stream run splits them, is detect()."""
    detector = opened(MODELS[1], frames, batch=4)
    try:
        assert isinstance(detector, PhasedDetector)
        prepared = detector.prepare(frames[:4])
        assert prepared.blob.shape[0] == 4 and prepared.seconds > 0
        phased = detector.finish(prepared, detector.infer_prepared(prepared.blob))
        assert_same_boxes(detector.detect(frames[:4]), phased)
    finally:
        detector.close()


def test_two_scheduler_threads_give_each_stream_its_own_boxes_in_order(frames):
    """Four streams, one frame per request, two calls at once: each stream gets exactly its
    frames' boxes, in its order, and the timings of all three phases."""
    detector = opened(MODELS[1], frames, batch=4)
    scheduler = BatchScheduler(detector, batch=4, gather_s=0.01)
    assert scheduler.phased is detector
    servers = [threading.Thread(target=scheduler.serve) for _ in range(detector.concurrent_calls)]
    streams = {f"s{i}": frames[i::4] if i % 2 else frames[i::4][::-1] for i in range(4)}
    got: dict[str, list[Detections]] = {name: [] for name in streams}
    timings: list[dict[str, float]] = []

    def stream(name: str) -> None:
        scheduler.join(name)
        try:
            for image in streams[name]:
                found, spent = scheduler.infer(name, [image])
                got[name] += found
                timings.append(dict(spent))
        finally:
            scheduler.leave(name)

    try:
        expected = {name: [detector.detect([image])[0] for image in images] for name, images in streams.items()}
        for server in servers:
            server.start()
        workers = [threading.Thread(target=stream, args=(name,)) for name in streams]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        scheduler.close()
        for server in servers:
            server.join(timeout=30)
        detector.close()
    assert_same_boxes([d for name in streams for d in expected[name]], [d for name in streams for d in got[name]])
    assert scheduler.images == len(frames) and 0 < scheduler.calls <= len(frames)
    assert all(set(t) == {"preprocess", "inference", "postprocess"} for t in timings)


def multi(shared_videos: Path, streams: dict) -> MultiPipeline:
    data = {"streams": streams, "detector": {"type": "ultralytics", "model": MODELS[1], "batch": 4},
            "tracker": {"type": "none"}}
    return MultiPipeline(parse_streams(data))


@pytest.mark.parametrize("with_camera", [False, True])
def test_a_live_stream_keeps_the_shared_detector_in_latency_mode(shared_videos: Path, with_camera: bool):
    """Whichever stream opens the shared detector first (here a file), a live stream among the
    streams keeps it in latency mode and one scheduler thread; files only: throughput, two."""
    clip = {"type": "video", "path": str(shared_videos / CLIP)}
    streams = {"clip": clip, "other": clip}
    if with_camera:
        streams["cam"] = {"type": "stream", "path": "http://127.0.0.1:9/video"}
    run = multi(shared_videos, streams)
    assert run.live == with_camera
    try:
        run._ready("clip", SourceInfo(width=960, height=540, fps=25, total_frames=None, source_id=clip["path"]))
        assert run.detector.stage._backend.mode == ("latency" if with_camera else "throughput")
        assert len(run._servers) == (0 if with_camera else 1), "extra scheduler threads beside the first"
    finally:
        run.scheduler.close()
        for server in run._servers:
            server.join(timeout=30)
        run.detector.stage.close()
