"""The `display` sink: a clear error without a display (never Qt's process abort), q quits cleanly."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from conftest import decode_all
from live_helpers import CLIP, build_live, run_frames

from detect.errors import DetectError
from detect.sinks import display
from detect.sinks.display import DisplaySink
from detect.types import SourceInfo

INFO = SourceInfo(width=64, height=48, fps=30, total_frames=None, source_id="x", live=True)


def test_no_display_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DetectError, match=r"no display \(DISPLAY is not set.*use the mjpeg sink"):
        DisplaySink(DisplaySink.Params()).open(INFO)


def unused_display() -> str:
    """A display number no X server here listens on (no socket, no lock file)."""
    number = next(n for n in range(97, 1000)
                  if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists())
    return f":{number}"


def test_an_unreachable_display_is_an_error_not_an_abort(monkeypatch):
    display_name = unused_display()
    monkeypatch.setenv("DISPLAY", display_name)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DetectError, match=f"cannot open a window on display '{display_name}'"):
        DisplaySink(DisplaySink.Params()).open(INFO)


class FakeWindow:
    """OpenCV's window calls, recorded instead of drawn (no display here); `q` on the 3rd frame."""

    def __init__(self, monkeypatch) -> None:
        self.shown = 0
        self.destroyed = False
        monkeypatch.setattr(display, "display_problem", lambda: None)
        monkeypatch.setattr(cv2, "namedWindow", lambda *a: None)
        monkeypatch.setattr(cv2, "imshow", self.imshow)
        monkeypatch.setattr(cv2, "getWindowProperty", lambda *a: 1.0)
        monkeypatch.setattr(cv2, "destroyWindow", self.destroy)
        monkeypatch.setattr(cv2, "waitKey", lambda *a: -1)
        monkeypatch.setattr(DisplaySink, "_key", lambda sink: ord("q") if self.shown == 3 else 255)

    def imshow(self, title, image) -> None:
        assert image.shape[1] <= 320
        self.shown += 1

    def destroy(self, title) -> None:
        self.destroyed = True


def test_q_stops_the_run_like_ctrl_c_and_outputs_are_complete(monkeypatch, shared_videos: Path, tmp_path: Path):
    window = FakeWindow(monkeypatch)
    config = {
        "source": {"type": "video", "path": str(shared_videos / CLIP), "realtime": True},
        "detector": {"type": "scripted"},
        "sinks": [{"type": "display", "max_width": 320}, {"type": "video", "path": str(tmp_path / "o.mp4")}],
    }
    result = run_frames(build_live(config), frames=10_000)
    assert result.interrupted and result.frames >= 3
    assert window.shown == 3 and window.destroyed, "q closes the window; nothing is shown after it"
    assert len(decode_all(tmp_path / "o.mp4")) == result.frames
