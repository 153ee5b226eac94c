"""`display`: an OpenCV window with the annotated frames; `q` or Esc ends the run like Ctrl-C.

Two hazards shape this file. OpenCV's Qt build aborts the whole process (no outputs closed)
when it cannot reach a display, so `open()` first checks for one, and on X11/Wayland tries a
window in a throw-away subprocess. And GUI calls belong to the thread that made the window
(the writer thread), so `close()` only destroys it from that same thread.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

from pydantic import Field

from detect.contract import Sink
from detect.errors import DetectError
from detect.params import StageParams
from detect.registry import sinks
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)

QUIT_KEYS = (ord("q"), ord("Q"), 27)
PROBE = "import cv2; cv2.namedWindow('detect-probe'); cv2.waitKey(1); cv2.destroyAllWindows()"
PROBE_TIMEOUT_S = 15.0


def display_problem() -> str | None:
    """Why no window can open here, or None. Only X11/Wayland systems need the check."""
    if sys.platform in ("win32", "darwin"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY is not set: a headless machine or an SSH session without -X)"
    try:
        probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                               timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return f"the display did not answer within {PROBE_TIMEOUT_S:g} s"
    if probe.returncode != 0:
        lines = [line for line in probe.stderr.splitlines() if line.strip()]
        return f"cannot open a window on display {os.environ.get('DISPLAY', '')!r}: " + (lines[0] if lines else
                                                                                          f"exit {probe.returncode}")
    return None


@sinks.register("display")
class DisplaySink(Sink):
    """An OpenCV window showing the annotated stream; q or Esc stops the run cleanly (like Ctrl-C)."""

    class Params(StageParams):
        title: str = Field("detect", min_length=1, description="window title")
        max_width: int | None = Field(1280, ge=16, description="scale larger frames down to this width "
                                                              "(null = full size)")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._window_thread: int | None = None
        self._quit = False
        self.frames_shown = 0

    def open(self, info: SourceInfo) -> None:
        problem = display_problem()
        if problem is not None:
            raise DetectError(f"{problem}; use the mjpeg sink to watch in a browser instead")

    def write(self, packet: Packet) -> None:
        import cv2

        if self._quit:
            return
        if self._window_thread is None:
            cv2.namedWindow(self.params.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
            self._window_thread = threading.get_ident()
        image = packet.canvas if packet.canvas is not None else packet.frame.image
        limit = self.params.max_width
        if limit and image.shape[1] > limit:
            image = cv2.resize(image, (limit, round(image.shape[0] * limit / image.shape[1])),
                               interpolation=cv2.INTER_AREA)
        cv2.imshow(self.params.title, image)
        self.frames_shown += 1
        key = self._key()
        if key in QUIT_KEYS or self._window_closed():
            self._destroy()
            self._request_quit()

    def _key(self) -> int:
        import cv2

        return cv2.waitKey(1) & 0xFF

    def _window_closed(self) -> bool:
        import cv2

        return cv2.getWindowProperty(self.params.title, cv2.WND_PROP_VISIBLE) < 1

    def _request_quit(self) -> None:
        """End the run the way Ctrl-C does, through the run's stop token: the runtime stops
        reading, drains what is in flight and closes every output."""
        self._quit = True
        log.info("display: quit requested; stopping")
        if self.stop_token is not None:
            self.stop_token.request("display window closed")

    def close(self) -> None:
        """A window made by another thread (the writer) is left to the process exit: destroying
        it from here would wait forever on that thread's (finished) event loop."""
        if self._window_thread == threading.get_ident():
            self._destroy()

    def _destroy(self) -> None:
        import cv2

        if self._window_thread is None:
            return
        cv2.destroyWindow(self.params.title)
        cv2.waitKey(1)
        self._window_thread = None
