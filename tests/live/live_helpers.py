"""Helpers for the live tests: a real clip served as an MJPEG camera on loopback, bounded runs.

Plain functions and context managers, not a conftest (tests elsewhere import `conftest` by
name). Every server is closed in `finally` and every run has a hard stop, so a failing test
ends in seconds and leaves no thread or port behind.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from conftest import SCRIPTED_CLI, default_signals

from detect.config import parse
from detect.pipeline import Pipeline, RunResult, build
from detect.sinks.base import staging_path
from detect.sinks.mjpeg_server import MjpegServer
from detect.sources.stream import StreamSource
from detect.testing.fake_camera import ClipServer, encode_clip

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
CLIP = "highway_udacity_solidWhiteRight.mp4"
RUN_LIMIT_S = 20.0
CLI = SCRIPTED_CLI


@lru_cache(maxsize=4)
def clip_jpegs(videos: Path, scale: float = 0.5, frames: int = 60) -> tuple[bytes, ...]:
    """JPEG frames of a real dashcam clip (half size by default: cheaper, still real)."""
    return tuple(encode_clip(videos / CLIP, max_frames=frames, scale=scale))


@contextlib.contextmanager
def camera(videos: Path, fps: float = 30.0, port: int = 0, scale: float = 0.5) -> Iterator[ClipServer]:
    """A live MJPEG camera on 127.0.0.1 serving the clip in a loop; always closed."""
    server = ClipServer(list(clip_jpegs(videos, scale)), fps=fps, port=port).start()
    try:
        yield server
    finally:
        server.close()


def stream_source(url: str, **params: Any) -> dict[str, Any]:
    return {"type": "stream", "path": url, "open_timeout": 5, "read_timeout": 1, "stall_timeout": 1,
            "reconnect": {"initial": 0.1, "max": 0.5}, **params}


def make_stream(url: str, **params: Any) -> StreamSource:
    """A `stream` source object with the test timeouts (for tests below the pipeline)."""
    values = {k: v for k, v in stream_source(url, **params).items() if k != "type"}
    return StreamSource(StreamSource.Params(**values))


def live_config(source: dict[str, Any], out: Path, delay_s: float = 0.0, **overrides: Any) -> dict[str, Any]:
    config = {
        "source": source,
        "detector": {"type": "scripted", "delay_s": delay_s},
        "annotators": [{"type": "boxes"}, {"type": "hud", "sections": ["live"]}],
        "sinks": [{"type": "video", "path": str(out / "live.mp4"), "preset": "ultrafast"},
                  {"type": "jsonl", "path": str(out / "live.jsonl"), "flush_every": 1, "stats_every_s": 1}],
    }
    config.update(overrides)
    return config


def run_frames(pipeline: Pipeline, frames: int, on_frame: Any = None, limit_s: float = RUN_LIMIT_S) -> RunResult:
    """Run until `frames` packets are written (then stop like Ctrl-C would), or `limit_s` passes."""
    count = 0

    def on_packet(packet: Any) -> None:
        nonlocal count
        count += 1
        if on_frame is not None:
            on_frame(count, packet)
        if count >= frames:
            pipeline.stop.request()

    watchdog = threading.Timer(limit_s, pipeline.stop.request)
    watchdog.start()
    try:
        return pipeline.run(on_packet=on_packet)
    finally:
        watchdog.cancel()


def build_live(config: dict[str, Any]) -> Pipeline:
    return build(parse(config))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def events(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("event") == kind]


def mjpeg_parts(host: str, port: int, count: int, timeout: float = 10.0) -> list[bytes]:
    """Read `count` JPEG parts from /stream.mjpg with a plain HTTP client (Content-Length framing)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/stream.mjpg")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("multipart/x-mixed-replace; boundary=")
        parts = []
        while len(parts) < count:
            headers: dict[str, str] = {}
            line = response.fp.readline()
            while line in (b"\r\n", b"\n"):
                line = response.fp.readline()
            assert line.startswith(b"--"), line[:80]
            while (line := response.fp.readline()) not in (b"\r\n", b"\n", b""):
                key, _, value = line.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            assert headers["content-type"] == "image/jpeg"
            parts.append(response.fp.read(int(headers["content-length"])))
        return parts
    finally:
        conn.close()


def closed_within(conn: socket.socket, seconds: float, dribble: bytes = b"") -> float:
    """Seconds until the server closes `conn` (sending `dribble` a byte every 50 ms meanwhile)."""
    conn.settimeout(0.05)
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        try:
            if conn.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            pass
        except OSError:
            return time.monotonic() - started
        if sent < len(dribble):
            conn.sendall(dribble[sent:sent + 1])
            sent += 1
    raise AssertionError(f"the connection was still open after {seconds} s")


def publish_for(server: MjpegServer, data: bytes, seconds: float) -> None:
    """Publish `data` every 10 ms for `seconds` or until the server closes (a ticking camera)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not server.board.closed:
        server.publish(data)
        time.sleep(0.01)


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], cwd=REPO, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)


def wait_for_lines(path: Path, lines: int, proc: subprocess.Popen, limit_s: float = RUN_LIMIT_S) -> None:
    """Until `path` has `lines` lines (the run is in steady state); fails if the process ends first.
    A running sink writes under its staging name, renamed to `path` when the run ends."""
    path = staging_path(path)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"detect run ended early ({proc.returncode}):\n{out}\n{err}")
        if path.exists() and len(path.read_text().splitlines()) >= lines:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} did not reach {lines} lines within {limit_s} s")
