"""The live page's numbers: `/stats.json` from a running pipeline, its bounded state, the
server's answers to other paths and methods, and the limits every connection is under."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from live_helpers import build_live, closed_within, run_frames

from detect.columns import CLASS_NAME, ZONE, ZONE_ENTER
from detect.live_stats import RATE_WINDOW_FRAMES, RecentIds, RollingRate, StreamStats
from detect.sinks.mjpeg import MjpegSink
from detect.sinks.mjpeg_server import PENDING_REQUESTS, MjpegServer, page_template
from detect.types import Detections, Event, Frame, Packet, SourceInfo

FIELDS = {"source", "seconds", "frames", "fps", "window_s", "latency_ms", "last_frame_age_s", "frame",
          "dropped", "drop_ratio", "tracks", "classes", "events", "viewers"}
LABELS = ("person", "bicycle", "car")


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def stats_of(port: int) -> dict[str, Any]:
    status, headers, body = get(port, "/stats.json")
    assert status == 200 and headers["content-type"] == "application/json"
    return json.loads(body)


def port_of(sink: MjpegSink) -> int:
    return int(sink.url.rsplit(":", 1)[1].strip("/"))


def packet(index: int, ids: list[int], classes: list[int], events: tuple[Event, ...] = (), latency_s: float = 0.05,
           dropped: int = 0) -> Packet:
    n = len(ids)
    frame = Frame(image=np.zeros((48, 64, 3), np.uint8), index=index, pts_s=index / 25, source_id="cam",
                  capture_time=time.monotonic() - latency_s)
    dets = Detections(xyxy=np.tile(np.array([[1, 1, 9, 9]], np.float32), (n, 1)),
                      confidence=np.full(n, 0.9, np.float32), class_id=np.array(classes, np.int64),
                      tracker_id=np.array(ids, np.int64))
    return Packet(frame=frame, detections=dets, labels=LABELS, events=events, dropped=dropped)


@pytest.fixture
def sink():
    sink = MjpegSink(MjpegSink.Params(port=0, events=5))
    sink.open(SourceInfo(width=64, height=48, fps=25, total_frames=None, source_id="rtsp://admin:pw@cam/1", live=True))
    try:
        yield sink
    finally:
        sink.close()


def test_stats_json_follows_a_running_pipeline(make_clip, tmp_path: Path):
    clip = make_clip(frames=40)
    config = {
        "source": {"type": "video", "path": str(clip)},
        "detector": {"type": "scripted"},
        "tracker": {"type": "bytetrack"},
        "analytics": [{"type": "zones", "min_hits": 1,
                       "zones": [{"name": "all", "polygon": [[0, 0], [160, 0], [160, 96], [0, 96]]}]}],
        "sinks": [{"type": "mjpeg", "port": 0}],
    }
    pipeline = build_live(config)
    sink = pipeline.sinks[0].stage
    seen: dict[int, dict[str, Any]] = {}

    def on_frame(count: int, _packet: Packet) -> None:
        if count in (5, 30):
            seen[count] = stats_of(port_of(sink))

    result = run_frames(pipeline, frames=30, on_frame=on_frame)
    early, late = seen[5], seen[30]
    assert set(early) == FIELDS and set(late) == FIELDS
    assert late["source"] == str(clip) and late["window_s"] == 5.0 and late["viewers"] == 0
    assert early["frames"] < late["frames"] <= 30 and early["frame"] < late["frame"]
    assert late["fps"] > 0 and late["seconds"] > 0 and late["last_frame_age_s"] >= 0
    latency = late["latency_ms"]
    assert set(latency) == {"p50", "p95", "max"} and 0 < latency["p50"] <= latency["p95"] <= latency["max"]
    assert late["classes"] == {"square": 1}, "the synthetic clip's one square"
    assert late["tracks"] == {"active": 1, "total": len(result.track_ids)} and len(result.track_ids) == 2, \
        "the square wraps around at frame 20: a second track"
    assert late["dropped"] == 0 and late["drop_ratio"] == 0.0, "a file never drops"
    kinds = [(e["kind"], e["subject"]) for e in late["events"]]
    assert ("zone_config", "all") in kinds and ("zone_enter", "all") in kinds
    enters = [e for e in late["events"] if e["kind"] == "zone_enter"]
    assert {e["track"] for e in enters} == result.track_ids
    assert all(e["class"] == "square" and isinstance(e["frame"], int) for e in enters)


def test_stats_json_counts_classes_tracks_and_names_an_events_class(sink: MjpegSink):
    leave = Event(ZONE_ENTER, frame=1, pts=0.04, track=7, payload={ZONE: "door", CLASS_NAME: "person"})
    crossing = Event("line_crossing", frame=1, pts=0.04, track=8, payload={"line": "gate"})
    sink.write(packet(4, [7, 8, -1], [0, 2, 2], dropped=2))
    sink.write(packet(5, [7, 8, 9], [0, 2, 1], events=(leave, crossing), dropped=3))
    doc = stats_of(port_of(sink))
    assert doc["source"] == "rtsp://admin:***@cam/1", "a password in the source never reaches the page"
    assert doc["classes"] == {"person": 1, "bicycle": 1, "car": 1}
    assert doc["tracks"] == {"active": 3, "total": 3}, "-1 (unconfirmed) is not a track"
    assert doc["dropped"] == 3 and doc["drop_ratio"] == 0.5 and doc["frame"] == 5
    assert doc["events"] == [
        {"kind": "line_crossing", "frame": 1, "track": 8, "class": "car", "subject": "gate"},
        {"kind": "zone_enter", "frame": 1, "track": 7, "class": "person", "subject": "door"},
    ], "newest first; a class from the payload, else from the track's box"
    assert doc["latency_ms"]["p50"] >= 50.0
    sink.write(packet(6, [], [], dropped=3))
    doc = stats_of(port_of(sink))
    assert doc["classes"] == {} and doc["tracks"] == {"active": 0, "total": 3} and doc["frames"] == 3


def test_a_stalled_stream_shows_no_rate_and_the_age_of_its_last_frame():
    stats = StreamStats("cam")
    assert stats.snapshot()["fps"] == 0.0 and stats.snapshot()["last_frame_age_s"] is None
    for i in range(10):
        stats.add(packet(i, [1], [2]), now=100 + i / 10)
    assert stats.snapshot(now=101.0)["fps"] == pytest.approx(10.0)
    stalled = stats.snapshot(now=107.0)
    assert stalled["fps"] == 0.0 and stalled["last_frame_age_s"] == pytest.approx(6.1)
    assert stalled["frames"] == 10 and stalled["classes"] == {"car": 1}, "the newest frame is still described"


def test_without_a_tracker_tracks_is_null(sink: MjpegSink):
    frame = Frame(image=np.zeros((48, 64, 3), np.uint8), index=0, pts_s=0.0, source_id="cam")
    boxes = Detections(np.array([[1, 1, 5, 5]], np.float32), np.array([0.5], np.float32), np.array([2]))
    sink.write(Packet(frame=frame, detections=boxes, labels=LABELS))
    doc = stats_of(port_of(sink))
    assert doc["tracks"] is None and doc["classes"] == {"car": 1}


def test_stats_state_is_bounded_however_long_the_run(sink: MjpegSink):
    per_frame = (Event(ZONE_ENTER, frame=0, pts=0.0, track=1, payload={ZONE: "z", CLASS_NAME: "car"}),) * 3
    sizes = []
    for i in range(3000):
        sink.write(packet(i, [3 * i + 1, 3 * i + 2, 3 * i + 3], [2, 2, 0], events=per_frame))
        if i in (99, 2999):
            sizes.append(len(get(port_of(sink), "/stats.json")[2]))
    doc = stats_of(port_of(sink))
    assert len(doc["events"]) == 5, "the sink's `events` newest events"
    assert doc["tracks"]["total"] == 9000 and doc["frames"] == 3000
    assert max(sizes) < 2048, f"the document does not grow with the run: {sizes} bytes"
    stats: StreamStats = sink._stats
    assert len(stats._rate._times) <= RATE_WINDOW_FRAMES and len(stats._tracks._recent) <= stats._tracks.size


def test_recent_ids_count_distinct_tracks_in_fixed_memory():
    ids = RecentIds(size=8)
    for frame in range(100):
        ids.add(np.array([frame, frame + 1, frame + 2, -1]))  # each id seen in three frames running
    assert ids.total == 102 and len(ids._recent) == 8


def test_the_rate_of_a_slow_stream_is_its_rate_not_zero():
    """A 1 s window showed `0.0 fps` on a run slower than 1 fps; the window keeps its start frame."""
    slow, steady = RollingRate(window_s=1.0), RollingRate()
    for i in range(10):
        slow.add(0.1, now=100 + 1.25 * i)
    for i in range(300):
        steady.add(0.02 + (i % 10) / 1000, now=100 + i / 25)
    assert slow.fps == pytest.approx(0.8)
    assert steady.fps == pytest.approx(25.0) and steady.window_s == 5.0
    assert 125 <= len(steady._times) <= 127, "5 s at 25 fps plus the frame the window starts at"
    assert steady.latency_ms()["p95"] == pytest.approx(29.0, abs=0.5)


def test_other_paths_are_404_and_other_methods_405(sink: MjpegSink):
    port = port_of(sink)
    status, _, body = get(port, "/stats")
    assert status == 404 and b"/stats.json" in body
    for method, path in (("POST", "/stats.json"), ("PUT", "/"), ("DELETE", "/stream.mjpg"), ("HEAD", "/stats.json")):
        status, headers, _ = get(port, path, method)
        assert (status, headers.get("allow")) == (405, "GET"), method
    assert get(port, "/stats.json?t=1")[0] == 200, "a cache-busting query is fine"


def test_a_server_without_stats_has_no_stats_json():
    server = MjpegServer("127.0.0.1", 0)
    server.start()
    try:
        status, _, body = get(server.port, "/stats.json")
        assert status == 404 and b"stats.json" not in body
    finally:
        server.close()


def test_the_page_loads_nothing_from_elsewhere():
    page = page_template()
    references = re.findall(r"""(?:src|href|action)\s*=\s*["']([^"']*)|url\(([^)]*)\)|@import|fetch\(\s*["']([^"']*)""",
                            page)
    assert references, "the page does reference its stream and stats"
    for groups in references:
        target = next((g for g in groups if g), "@import")
        assert target.startswith("/") and not target.startswith("//"), target
    assert "http://" not in page and "https://" not in page
    assert "innerHTML" not in page, "values go in as text"


def test_a_stats_request_must_arrive_within_request_timeout():
    server = MjpegServer("127.0.0.1", 0, request_timeout=0.5, stats=StreamStats("cam").snapshot)
    server.start()
    slow = socket.create_connection(("127.0.0.1", server.port))
    try:
        assert closed_within(slow, 5.0, dribble=b"GET /stats.json HTTP/1.0\r\nX-Slow: " + b"x" * 500) < 2.0
    finally:
        slow.close()
        server.close()


def test_stats_json_is_no_viewer_but_counts_toward_the_connection_bound():
    server = MjpegServer("127.0.0.1", 0, request_timeout=30, max_viewers=1, stats=StreamStats("cam").snapshot)
    server.start()
    idle: list[socket.socket] = []
    try:
        viewer = socket.create_connection(("127.0.0.1", server.port))
        idle.append(viewer)
        viewer.sendall(b"GET /stream.mjpg HTTP/1.0\r\n\r\n")
        wait_until(lambda: server.viewers == 1, "the viewer connects")
        assert get(server.port, "/stream.mjpg")[0] == 503, "max_viewers watch"
        assert get(server.port, "/stats.json")[0] == 200, "the watching page's own poll is not refused"
        idle += [socket.create_connection(("127.0.0.1", server.port)) for _ in range(PENDING_REQUESTS)]
        wait_until(lambda: len(server._server._open) == 1 + PENDING_REQUESTS, "the server accepts them all")
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            get(server.port, "/stats.json")
        for conn in idle[1:]:
            conn.close()
        wait_until(lambda: len(server._server._open) == 1, "the idle ones are gone")
        assert get(server.port, "/stats.json")[0] == 200
    finally:
        for conn in idle:
            conn.close()
        server.close()


def wait_until(condition, what: str, limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)
