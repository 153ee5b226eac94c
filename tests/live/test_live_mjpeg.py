"""The `mjpeg` sink: a browser-style client reads JPEG parts; stalled viewers never slow it."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from live_helpers import CLIP, build_live, mjpeg_parts, publish_for, run_frames

from detect.errors import DetectError
from detect.sinks.mjpeg import MjpegSink
from detect.sinks.mjpeg_server import MjpegServer
from detect.types import SourceInfo


def test_a_client_reads_annotated_jpeg_parts_from_a_live_run(shared_videos: Path, tmp_path: Path):
    config = {
        "source": {"type": "video", "path": str(shared_videos / CLIP), "realtime": True},
        "detector": {"type": "scripted"},
        "annotators": [{"type": "hud", "sections": ["live"]}],
        "sinks": [{"type": "mjpeg", "port": 0, "max_width": 480}],
    }
    pipeline = build_live(config)
    sink = pipeline.sinks[0].stage
    got: dict = {}

    def watch() -> None:
        host, port = "127.0.0.1", int(sink.url.rsplit(":", 1)[1].strip("/"))
        try:
            got["page"] = urllib.request.urlopen(sink.url, timeout=5).read().decode()
            got["parts"] = mjpeg_parts(host, port, count=5)
        finally:
            pipeline.stop.request()

    def on_frame(count: int, packet) -> None:
        if count == 1:
            threading.Thread(target=watch, daemon=True).start()

    result = run_frames(pipeline, frames=10_000, on_frame=on_frame)
    assert 'src="/stream.mjpg"' in got["page"]
    images = [cv2.imdecode(np.frombuffer(part, np.uint8), cv2.IMREAD_COLOR) for part in got["parts"]]
    assert len(images) == 5 and all(img is not None and img.shape == (270, 480, 3) for img in images)
    (url,) = result.outputs
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))), timeout=1).close()


def test_a_stalled_viewer_never_blocks_publishing():
    server = MjpegServer("127.0.0.1", 0, send_timeout=30)
    server.start()
    stalled = socket.create_connection(("127.0.0.1", server.port))
    try:
        stalled.sendall(b"GET /stream.mjpg HTTP/1.0\r\n\r\n")  # and never reads a byte
        deadline = time.monotonic() + 5
        while server.viewers == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.viewers == 1
        frame = bytes(300_000)  # far more than the socket buffers hold after a few frames
        started = time.monotonic()
        for _ in range(200):
            server.publish(frame)
        publishing = time.monotonic() - started
        ticker = threading.Thread(target=publish_for, args=(server, b"fresh", 3.0), daemon=True)
        ticker.start()
        fresh = mjpeg_parts("127.0.0.1", server.port, count=2)
        assert fresh[-1] == b"fresh", "other viewers keep getting new frames"
        started = time.monotonic()
        server.close()
        closing = time.monotonic() - started
    finally:
        stalled.close()
        server.close()
    assert publishing < 1.0, f"60 MB published to a stalled viewer took {publishing:.2f} s"
    assert closing < 2.0, "close() ends a viewer stuck in a send"


def test_a_busy_port_is_one_clear_error():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        sink = MjpegSink(MjpegSink.Params(port=taken.getsockname()[1]))
        with pytest.raises(DetectError, match=r"cannot serve on 127\.0\.0\.1:\d+: .*set port: 0"):
            sink.open(SourceInfo(width=64, height=48, fps=30, total_frames=None, source_id="x", live=True))
    finally:
        taken.close()


def test_the_page_title_hides_the_password_and_is_escaped():
    server = MjpegServer("127.0.0.1", 0, title="detect: rtsp://admin:secretpw@cam/<live>")
    server.start()
    try:
        page = urllib.request.urlopen(server.url, timeout=5).read().decode()
    finally:
        server.close()
    assert "secretpw" not in page and "<live>" not in page
    assert "rtsp://admin:***@cam/&lt;live&gt;" in page
