"""The webhook sink against a real loopback HTTP server that is slow, then fails, then recovers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import pipeline_dict

from detect.errors import ConfigError
from detect.pipeline import Pipeline


class Hook(ThreadingHTTPServer):
    """Answers POSTs by a script: the first slowly, the next few with HTTP 500, then 200."""

    def __init__(self, slow_s: float, errors: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.slow_s, self.errors = slow_s, errors
        self.requests = 0
        self.accepted: list[dict] = []
        self.headers_seen: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.requests += 1
            n = self.server.requests
            self.server.headers_seen.append(self.headers.get("Authorization", ""))
        if n == 1:
            time.sleep(self.server.slow_s)
        if 2 <= n < 2 + self.server.errors:
            self.send_response(500)
            self.end_headers()
            return
        with self.server.lock:
            self.server.accepted.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook():
    server = Hook(slow_s=1.5, errors=3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_slow_then_failing_server_never_slows_the_run(make_clip, hook: Hook, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "s3cret-token-value")
    clip = make_clip(frames=30, fps=10)
    frames_during_slow_answer = []

    def on_packet(packet) -> None:
        if hook.requests == 1 and not hook.accepted:
            frames_during_slow_answer.append(packet.frame.index)

    config = pipeline_dict(clip, tmp_path, analytics=[{"type": "objects", "min_hits": 2}], annotators=[], sinks=[
        {"type": "webhook", "url": hook.url, "occupancy_every_s": 0.2, "retry_max_s": 0.5, "drain_s": 20,
         "headers": {"Authorization": "Bearer ${HOOK_TOKEN}"}},
        {"type": "jsonl", "path": str(tmp_path / "run.jsonl")}])
    pipeline = Pipeline.from_dict(config)
    result = pipeline.run(on_packet=on_packet)
    assert result.frames == 30
    assert len(frames_during_slow_answer) >= 10, "frames went on while the server sat on the first request"
    counts = pipeline.sinks[0].stage.counts
    assert counts.retries == 3 and counts.dropped == 0
    events = [m for m in hook.accepted if m["event"] != "occupancy"]
    written = [r for r in map(json.loads, (tmp_path / "run.jsonl").read_text().splitlines())
               if r.get("event") in ("object_start", "object_end")]
    assert written and [{**r, "stream": "camera"} for r in written] == events
    assert [m["pts"] for m in hook.accepted if m["event"] == "occupancy"] == [round(0.2 * i, 4) for i in range(15)]
    assert set(hook.headers_seen) == {"Bearer s3cret-token-value"}
    assert "s3cret" not in (tmp_path / "run.jsonl").read_text()


def test_a_password_in_the_config_is_refused(tmp_path: Path) -> None:
    config = pipeline_dict(tmp_path / "x.mp4", tmp_path, sinks=[
        {"type": "webhook", "url": "http://127.0.0.1:9/", "headers": {"Authorization": "Bearer abc"}}])
    with pytest.raises(ConfigError, match="VAR"):
        Pipeline.from_dict(config).sinks[0].stage.check()
