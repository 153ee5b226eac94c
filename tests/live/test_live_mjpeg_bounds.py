"""The MJPEG server is bounded: idle connections are dropped, viewers are capped, and each frame
is encoded once for all viewers."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import numpy as np
import pytest
from live_helpers import closed_within, mjpeg_parts, publish_for

from detect.config import parse
from detect.sinks.mjpeg import MjpegSink
from detect.sinks.mjpeg_server import FrameBoard, MjpegServer
from detect.types import Detections, Frame, Packet, SourceInfo

LIMIT_S = 10.0


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + LIMIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.parametrize("dribble", [b"", b"GET /stream.mjpg HTTP/1.0\r\nX-Slow: " + b"x" * 1000])
def test_a_connection_without_a_complete_request_is_dropped_within_the_timeout(dribble: bytes):
    server = MjpegServer("127.0.0.1", 0, request_timeout=0.5)
    server.start()
    conn = socket.create_connection(("127.0.0.1", server.port))
    try:
        assert closed_within(conn, seconds=5.0, dribble=dribble) < 2.0
        assert server.viewers == 0
    finally:
        conn.close()
        server.close()


def test_the_viewer_after_max_viewers_gets_503_and_a_freed_place_is_taken_again():
    server = MjpegServer("127.0.0.1", 0, max_viewers=2)
    server.start()
    watching = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
    try:
        for conn in watching:
            conn.sendall(b"GET /stream.mjpg HTTP/1.0\r\n\r\n")
        _wait_for(lambda: server.viewers == 2, "two viewers connect")
        for path in ("/stream.mjpg", "/snapshot.jpg"):
            extra = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            extra.request("GET", path)
            response = extra.getresponse()
            assert response.status == 503 and b"too many viewers" in response.read()
            extra.close()
        page = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        page.request("GET", "/")
        assert page.getresponse().status == 200, "the page is not a viewer"
        page.close()
        watching.pop().close()
        _wait_for(lambda: server.viewers == 1, "a viewer leaves")
        ticker = threading.Thread(target=publish_for, args=(server, b"frame", 3.0), daemon=True)
        ticker.start()
        assert mjpeg_parts("127.0.0.1", server.port, count=2) == [b"frame", b"frame"]
    finally:
        for conn in watching:
            conn.close()
        server.close()


def test_max_viewers_is_bounded_by_the_schema():
    for value in (0, 1001):
        with pytest.raises(Exception, match="max_viewers"):
            parse({"source": {"type": "video", "path": "x.mp4"}, "detector": {"type": "scripted"},
                   "sinks": [{"type": "mjpeg", "max_viewers": value}]})


def test_every_viewer_gets_the_same_bytes_object():
    board = FrameBoard()
    board.publish(b"jpeg")
    first, second = board.newer_than(0, timeout=0), board.newer_than(0, timeout=0)
    assert first is second and first.part is second.part
    assert first.part.endswith(b"jpeg\r\n") and b"Content-Length: 4" in first.part


def test_each_frame_is_encoded_once_however_many_watch():
    sink = MjpegSink(MjpegSink.Params(port=0, max_viewers=3))
    sink.open(SourceInfo(width=64, height=48, fps=30, total_frames=None, source_id="x", live=True))
    port = int(sink.url.rsplit(":", 1)[1].strip("/"))
    got: list[list[bytes]] = []
    readers = [threading.Thread(target=lambda: got.append(mjpeg_parts("127.0.0.1", port, count=3)), daemon=True)
               for _ in range(3)]
    try:
        for reader in readers:
            reader.start()
        _wait_for(lambda: sink.viewers == 3, "three viewers connect")
        written = 0
        while any(reader.is_alive() for reader in readers):
            image = np.full((48, 64, 3), written % 256, np.uint8)
            sink.write(Packet(frame=Frame(image=image, index=written, pts_s=written / 30, source_id="x"),
                              detections=Detections.empty()))
            written += 1
            assert written < 500, "the viewers got their frames"
            time.sleep(0.02)
    finally:
        sink.close()
    assert sink.frames_encoded == written
    assert len(got) == 3 and all(len(parts) == 3 for parts in got)
