"""The mqtt sink against a real mosquitto broker, on a real clip with the real detector."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from camera_helpers import Broker, Subscriber, running_broker
from conftest import tracking_dir

from detect.columns import OBJECT_START
from detect.pipeline import Pipeline

FRAMES = 40


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path) as started:
        yield started


def camera_config(port: int, out: Path, **mqtt: object) -> dict:
    """PETS09-S2L1 (a static camera, 7 fps), its first 40 frames: people walking in."""
    video = tracking_dir() / "PETS09-S2L1" / "video.mp4"
    return {
        "source": {"type": "video", "path": str(video), "end": FRAMES / 7},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["person"], "imgsz": 416},
        "tracker": {"type": "bytetrack"},
        "analytics": [{"type": "objects", "classes": ["person"], "min_hits": 2}],
        "sinks": [{"type": "mqtt", "port": port, "stream": "pets", "occupancy_every_s": 0.1, **mqtt},
                  {"type": "jsonl", "path": str(out / "run.jsonl")}],
    }


def jsonl_events(path: Path, kind: str) -> list[dict]:
    return [r for r in map(json.loads, path.read_text().splitlines()) if r.get("event") == kind]


def test_events_of_a_run_arrive(broker: Broker, models_dir: Path, tmp_path: Path) -> None:
    subscriber = Subscriber(broker.port)
    try:
        pipeline = Pipeline.from_dict(camera_config(broker.port, tmp_path))
        result = pipeline.run()
        deadline = time.monotonic() + 10
        while len(subscriber.unique()) < pipeline.sinks[0].stage.counts.sent and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        subscriber.close()
    assert result.frames == FRAMES
    written = jsonl_events(tmp_path / "run.jsonl", OBJECT_START)
    received = subscriber.json("/events/object_start")
    assert len(written) >= 3, "PETS09 has several people in view from the first frames"
    assert [(e["track_id"], e["frame"]) for e in received] == [(e["track_id"], e["frame"]) for e in written]
    assert {e["stream"] for e in received} == {"pets"} and {e["class_name"] for e in received} == {"person"}
    occupancy = subscriber.json("/pets/occupancy")
    assert len(occupancy) == FRAMES and max(o["counts"].get("person", 0) for o in occupancy) >= 3
    assert [p for t, p in subscriber.messages if t.endswith("/available")] == [b"online", b"offline"]
    sink = pipeline.sinks[0].stage
    assert sink.counts.sent == len(subscriber.json("/events/")) + len(occupancy) and sink.counts.dropped == 0


@pytest.mark.parametrize("max_queue", [1000, 4])
def test_broker_restarted_mid_run(broker: Broker, models_dir: Path, tmp_path: Path, max_queue: int) -> None:
    """The broker goes away for 16 frames: the run goes on at once, and every message is either
    delivered after the broker is back or counted as dropped (the queue is bounded)."""
    subscriber = Subscriber(broker.port)
    written_while_down = []

    def on_packet(packet) -> None:
        if packet.frame.index == 8:
            broker.stop()
        elif packet.frame.index == 24:
            broker.start()
        elif broker.process is None:
            written_while_down.append(packet.frame.index)

    pipeline = Pipeline.from_dict(camera_config(broker.port, tmp_path, max_queue=max_queue, drain_s=15,
                                                       retry_max_s=1))
    try:
        result = pipeline.run(on_packet=on_packet)
        sent = pipeline.sinks[0].stage.counts.sent
        deadline = time.monotonic() + 15  # the subscriber reconnects too, then gets what the broker kept
        while len(subscriber.unique()) < sent and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        subscriber.close()
    assert result.frames == FRAMES
    assert written_while_down == list(range(9, 24)), "frames went through the sinks while the broker was away"
    counts = pipeline.sinks[0].stage.counts
    put = FRAMES + len(jsonl_events(tmp_path / "run.jsonl", OBJECT_START)) + len(
        jsonl_events(tmp_path / "run.jsonl", "object_end"))
    unique = subscriber.unique()
    assert counts.sent + counts.dropped == put
    assert len(unique) == counts.sent
    assert counts.retries > 0, "the sender met the absent broker"
    if max_queue == 4:
        assert counts.dropped >= 8, "16 frames of occupancy do not fit a queue of 4"
    else:
        assert counts.dropped == 0
    pts = [o["pts"] for o in subscriber.json("/occupancy")]
    assert pts == sorted(set(pts)), "delivered in order, once each"
