"""The `webcam` source without a camera: the no-camera errors, parameter checks, granted values.

No camera or fake V4L2 device exists here, so the granted-value report is checked with a stand-in
for OpenCV's capture object that grants less than was asked, as cameras do.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from detect.columns import LIVE_SOURCE
from detect.config import parse
from detect.errors import ConfigError, SourceError
from detect.sources.webcam import WebcamSource, fourcc_text


def webcam(**params) -> WebcamSource:
    return WebcamSource(WebcamSource.Params(**params))


def test_no_camera_at_that_index_is_a_quick_clear_error():
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"no camera at index 7: /dev/video7 does not exist \(cameras found: "):
        webcam(device=7).open()
    assert time.monotonic() - started < 5


def test_a_device_that_is_not_a_camera_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot open camera /dev/null: not a camera, busy, or no permission"):
        webcam(device="/dev/null").open()


def test_a_hanging_driver_gives_up_after_open_timeout(monkeypatch):
    released = threading.Event()
    monkeypatch.setattr(WebcamSource, "_check_exists", lambda self: None)
    monkeypatch.setattr(WebcamSource, "_open_capture", lambda self: released.wait(60))
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match=r"camera 0: open did not answer within 0\.3 s"):
            webcam(device=0, open_timeout=0.3).open()
        took = time.monotonic() - started
    finally:
        released.set()
    assert took < 5, f"{took:.1f} s: the driver hangs until released, the open gives up after 0.3 s"


@pytest.mark.parametrize("params,message", [
    ({"fourcc": "MJP"}, "a FOURCC is exactly 4 characters"),
    ({"width": 1920}, "give width and height together"),
    ({"device": -1}, "a camera index is 0 or more"),
    ({"fps": 0}, "greater than 0"),
    ({"backend": "directshow"}, "source.backend"),
])
def test_bad_parameters_are_config_errors(params, message):
    with pytest.raises(ConfigError, match=message):
        parse({"source": {"type": "webcam", **params}, "detector": {"type": "scripted"}})


def test_a_numeric_string_device_is_an_index():
    assert webcam(device="2").params.device == 2
    assert webcam(device="/dev/v4l/by-id/usb-cam").params.device == "/dev/v4l/by-id/usb-cam"


class GrantsLess:
    """Stands in for cv2.VideoCapture on a camera that falls back to 640x480 YUYV."""

    def __init__(self) -> None:
        import cv2

        self.values = {cv2.CAP_PROP_FRAME_WIDTH: 640, cv2.CAP_PROP_FRAME_HEIGHT: 480, cv2.CAP_PROP_FPS: 30.0,
                       cv2.CAP_PROP_FOURCC: cv2.VideoWriter_fourcc(*"YUYV")}
        self.released = False

    def get(self, prop: int) -> float:
        return float(self.values.get(prop, 0))

    def getBackendName(self) -> str:  # OpenCV's name
        return "V4L2"

    def read(self) -> tuple[bool, np.ndarray]:
        return True, np.zeros((480, 640, 3), np.uint8)

    def release(self) -> None:
        self.released = True


def test_granted_values_are_read_back_logged_and_reported(monkeypatch, caplog):
    cap = GrantsLess()
    monkeypatch.setattr(WebcamSource, "_check_exists", lambda self: None)
    monkeypatch.setattr(WebcamSource, "_open_capture", lambda self: cap)
    source = webcam(device=0, width=1920, height=1080, fps=30, fourcc="MJPG")
    with caplog.at_level(logging.INFO):
        info = source.open()
    assert (info.width, info.height, info.fps, info.live) == (640, 480, 30.0, True)
    warning = "asked 1920x1080 at 30 fps MJPG, granted 640x480 at 30 fps YUYV (the camera did not grant width, height, fourcc)"
    assert warning in caplog.text
    assert source.live_report() == ["camera 0: asked 1920x1080 at 30 fps MJPG, granted 640x480 at 30 fps YUYV"]
    (event,) = source.take_events()
    assert event.kind == LIVE_SOURCE and event.payload["granted"]["fourcc"] == "YUYV"
    assert event.payload["requested"] == {"width": 1920, "height": 1080, "fps": 30.0, "fourcc": "MJPG"}
    frame = next(iter(source))
    assert frame.capture_time > 0 and frame.image.shape == (480, 640, 3)
    source.close()
    assert cap.released


def test_fourcc_text():
    import cv2

    assert fourcc_text(cv2.VideoWriter_fourcc(*"MJPG")) == "MJPG"
    assert fourcc_text(0) == ""
