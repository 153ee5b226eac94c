"""Passwords never leave the program: not in the error line, a log record, an event or a JSONL line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detect.redaction import RedactingFilter, redact_text, register_secret
from detect.sources.stream import redact
from detect.types import Event

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text,shown", [
    ("rtsp://admin:secretpw@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
    ("rtsp:/admin:secretpw@cam/x", "rtsp:/admin:***@cam/x"),
    ("rtsp://admin:secretpw@[::1/x", "rtsp://admin:***@[::1/x"),
    ("rtsp://admin:secretpw@cam:99999/x", "rtsp://admin:***@cam:99999/x"),
    ("rtsp://admin:secretpw@cam:abc/x", "rtsp://admin:***@cam:abc/x"),
    ("rtsp://admin:secret@pw@cam/x", "rtsp://admin:***@cam/x"),
    ("got 'rtsp://admin:secretpw@cam/x' and 'http://b:secretpw@c/'", "got 'rtsp://admin:***@cam/x' and 'http://b:***@c/'"),
    ("'rtsp://admin:secretpwsecretpw...channel=1'", "'rtsp://admin:***...channel=1'"),
    ("http://cam/video.cgi?user=admin&password=secretpw&fps=5", "http://cam/video.cgi?user=admin&password=***&fps=5"),
    ("http://cam.local:8080/video.mjpg", "http://cam.local:8080/video.mjpg"),
    ("source.path: expected a URL at 12:30:45", "source.path: expected a URL at 12:30:45"),
])
def test_the_password_of_anything_url_like_is_hidden(text: str, shown: str):
    assert redact_text(text) == shown


@pytest.mark.parametrize("url", ["rtsp://admin:secretpw@cam:99999/x", "rtsp://admin:secretpw@cam:abc/x",
                                 "rtsp://admin:secretpw@[::1/x"])
def test_redacting_a_stream_url_never_raises(url: str):
    assert "secretpw" not in redact(url)


def test_a_registered_secret_is_hidden_anywhere():
    register_secret("s3cr3t-token-value")
    assert redact_text("header Authorization: s3cr3t-token-value!") == "header Authorization: ***!"


def test_every_log_record_is_redacted_traceback_included(caplog: pytest.LogCaptureFixture):
    caplog.handler.addFilter(RedactingFilter())
    log = logging.getLogger("detect.some.module")
    try:
        raise ValueError("cannot open rtsp://admin:secretpw@cam/x")
    except ValueError:
        log.exception("stream %s failed", "rtsp://admin:secretpw@cam/x")
    assert "secretpw" not in caplog.text
    assert "rtsp://admin:***@cam/x" in caplog.text


def test_event_records_are_redacted():
    event = Event("gap", frame=None, pts=None, payload={"reason": "error: rtsp://a:secretpw@cam refused"})
    assert event.to_record()["reason"] == "error: rtsp://a:***@cam refused"


@pytest.mark.parametrize("path", ["rtsp:/user:secretpw@cam/x", "rtsp://user:secretpw@[::1/x",
                                  "rtsp://user:secretpw@cam:99999/x"])
def test_a_bad_stream_url_is_one_line_without_its_password(tmp_path: Path, path: str):
    config = tmp_path / "stream.yaml"
    config.write_text("source: {type: stream, path: http://127.0.0.1:9/x}\ndetector: {type: ultralytics}\n")
    proc = subprocess.run([sys.executable, "-m", "detect", "validate", str(config), "--set", f"source.path={path}"],
                          check=False, capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "secretpw" not in proc.stderr and "user:***@" in proc.stderr
