"""Camera credentials from the environment: `${VAR}` expanded only at open, never shown anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from live_helpers import (
    build_live,
    camera,
    live_config,
    make_stream,
    read_jsonl,
    run_frames,
    stream_source,
)

from detect.env_vars import expand
from detect.errors import ConfigError, SourceError
from detect.redaction import redact_text
from detect.sources.webcam import WebcamSource

PASSWORD = "pw-from-the-environment-7f3a"
TOKEN = "token-from-the-environment-91c2"


def test_an_unset_variable_is_one_config_error_naming_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CAM_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=r"^source\.path: environment variable CAM_PASSWORD is not set"):
        expand("rtsp://user:${CAM_PASSWORD}@cam/x", "source.path")
    source = make_stream("rtsp://user:${CAM_PASSWORD}@cam/x")
    with pytest.raises(ConfigError, match="CAM_PASSWORD is not set"):
        source.check()
    with pytest.raises(ConfigError, match="CAM_PASSWORD is not set"):
        source.open()


def test_secret_values_are_registered_and_others_are_not(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CAM_HOST", "camera-host-5b1e")
    monkeypatch.setenv("CAM_PASS", PASSWORD)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    url = expand("rtsp://user:${CAM_PASS}@${CAM_HOST}/x?t=${API_TOKEN}", "source.path")
    assert url == f"rtsp://user:{PASSWORD}@camera-host-5b1e/x?t={TOKEN}"
    assert redact_text(f"{PASSWORD} {TOKEN} camera-host-5b1e") == "*** *** camera-host-5b1e"


def test_a_password_in_a_url_made_from_any_variable_is_registered(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CAMERA_LOGIN", "login-value-2d9c")
    expand("rtsp://user:${CAMERA_LOGIN}@cam/x", "source.path")
    assert redact_text("said login-value-2d9c") == "said ***"


def test_a_webcam_device_from_the_environment_is_expanded_at_open_only(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CAM_DEVICE", "/dev/video-that-does-not-exist-42")
    source = WebcamSource(WebcamSource.Params(device="${CAM_DEVICE}", open_timeout=1))
    assert source.source_id == "webcam:${CAM_DEVICE}"
    with pytest.raises(SourceError, match="video-that-does-not-exist-42"):
        source.open()
    assert source.params.device == "${CAM_DEVICE}"


def test_a_stream_password_from_the_environment_never_appears_in_outputs_or_logs(
        shared_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setenv("CAM_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    with camera(shared_videos) as cam:
        url = cam.url.replace("http://", "http://viewer:${CAM_PASSWORD}@")
        pipeline = build_live(live_config(stream_source(url), tmp_path))
        result = run_frames(pipeline, frames=5)
    assert result.frames >= 5, "the expanded URL was opened"
    assert pipeline.source.stage.params.path == url, "the config keeps the reference, not the value"
    records = read_jsonl(tmp_path / "live.jsonl")
    assert records and all(r["source"] == url.replace("${CAM_PASSWORD}", "***") for r in records if "source" in r)
    assert PASSWORD not in (tmp_path / "live.jsonl").read_text()
    assert PASSWORD not in caplog.text and PASSWORD not in result.summary()
    assert redact_text(f"ffmpeg said: {PASSWORD}") == "ffmpeg said: ***"
