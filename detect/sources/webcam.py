"""`webcam`: a local camera through OpenCV, asking for a size, rate and pixel format.

Cameras silently fall back to a mode they support (the "stuck at 640x480" problem: many need
MJPG for 1080p30 over USB 2), so the granted values are read back, logged with a warning when
they differ, reported in the `detect run` summary and written as a `live_source` event.
A missing camera is one clear error, never a hang: the open runs under `open_timeout`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from detect.env_vars import check_set, expand
from detect.errors import ConfigError, SourceError
from detect.params import StageParams
from detect.redaction import redact_text
from detect.registry import sources
from detect.runtime import call_with_timeout
from detect.sources.backoff import ReconnectParams
from detect.sources.live import FeedSource, LiveFeed, StreamLost
from detect.types import SourceInfo

log = logging.getLogger(__name__)

BACKENDS = {"auto": "CAP_ANY", "v4l2": "CAP_V4L2", "dshow": "CAP_DSHOW", "msmf": "CAP_MSMF",
            "avfoundation": "CAP_AVFOUNDATION", "gstreamer": "CAP_GSTREAMER"}


def fourcc_text(code: float) -> str:
    """OpenCV's numeric FOURCC as its four letters ('' when the backend does not say)."""
    value = int(code)
    text = "".join(chr((value >> (8 * i)) & 0xFF) for i in range(4))
    return text if value and text.isprintable() else ""


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV prints several warning lines per failed open; our one error says it better."""
    import cv2

    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(level)


class _CvConnection:
    """One opened camera; `read()` grabs the next picture."""

    def __init__(self, cap: Any, name: str, requested: dict[str, Any]) -> None:
        import cv2

        self._cap = cap
        self._name = name
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0)
        self.fps: float | None = fps if fps > 0 else None
        self.settings: dict[str, Any] = {
            "requested": requested,
            "granted": {"width": int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), "height": int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                        "fps": round(fps, 3), "fourcc": fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))},
            "backend": cap.getBackendName(),
        }

    def read(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        if not ok or image is None:
            raise StreamLost("error: the camera returned no picture (unplugged or busy?)")
        if image.ndim == 2:
            import cv2

            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return image

    def close(self) -> None:
        self._cap.release()


@sources.register("webcam")
class WebcamSource(FeedSource):
    """A local camera (index or /dev/videoN) via OpenCV; requested vs granted size/fps/format reported."""

    class Params(StageParams):
        device: int | str = Field(0, description="camera index (0, 1, ...) or device path (/dev/video0, "
                                                 "/dev/v4l/by-id/...)")
        width: int | None = Field(None, gt=0, le=16384, description="requested frame width (with height)")
        height: int | None = Field(None, gt=0, le=16384, description="requested frame height (with width)")
        fps: float | None = Field(None, gt=0, le=1000, description="requested frame rate")
        fourcc: str | None = Field(None, description="requested pixel format, e.g. MJPG (often needed for "
                                                     "1080p30), YUYV, H264")
        backend: Literal["auto", "v4l2", "dshow", "msmf", "avfoundation", "gstreamer"] = Field(
            "auto", description="OpenCV capture backend (auto: V4L2 on Linux)")
        open_timeout: float = Field(5.0, gt=0, le=120, description="seconds to open the camera and get a picture")
        reconnect: ReconnectParams = Field(default_factory=lambda: ReconnectParams(max_attempts=10),
                                           description="backoff after the camera fails (e.g. unplugged)")

        @field_validator("device")
        @classmethod
        def _device(cls, value: int | str) -> int | str:
            if isinstance(value, str) and value.strip().isdigit():
                return int(value)
            if isinstance(value, int) and value < 0:
                raise ValueError("a camera index is 0 or more")
            if isinstance(value, str) and not value.strip():
                raise ValueError("empty device")
            return value

        @field_validator("fourcc")
        @classmethod
        def _fourcc(cls, value: str | None) -> str | None:
            if value is not None and (len(value) != 4 or not value.isascii() or not value.isprintable()):
                raise ValueError(f"a FOURCC is exactly 4 characters, like MJPG or YUYV (got {value!r})")
            return value

        @model_validator(mode="after")
        def _both_sizes(self) -> WebcamSource.Params:
            if (self.width is None) != (self.height is None):
                raise ValueError("give width and height together")
            return self

    def __init__(self, params: Params) -> None:
        self.params = params
        self.source_id = redact_text(f"webcam:{params.device}")
        shown = redact_text(str(params.device))
        self._feed = LiveFeed(f"webcam {shown}", self.source_id, self._connect, params.reconnect)
        self.info: SourceInfo | None = None
        self.device: int | str = params.device
        """The device with ${VAR}s expanded, set by open() (the params keep the references)."""

    def check(self) -> None:
        if isinstance(self.params.device, str):
            check_set(self.params.device, "source.device")
            if "${" in self.params.device:
                return
        try:
            self._check_exists()
        except SourceError as exc:
            raise ConfigError(f"source.device: {exc}") from None

    def _requested(self) -> dict[str, Any]:
        p = self.params
        return {k: v for k, v in {"width": p.width, "height": p.height, "fps": p.fps, "fourcc": p.fourcc}.items()
                if v is not None}

    def _device_path(self) -> str | None:
        """On Linux, the device node to check before asking OpenCV (which is slow and noisy to fail)."""
        if not sys.platform.startswith("linux") or self.params.backend not in ("auto", "v4l2"):
            return None
        device = self.device
        return f"/dev/video{device}" if isinstance(device, int) else str(device)

    def _check_exists(self) -> None:
        path = self._device_path()
        if path is None or Path(path).exists():
            return
        found = sorted(glob.glob("/dev/video*"))
        what = f"index {self.device}" if isinstance(self.device, int) else redact_text(self.device)
        raise SourceError(f"no camera at {what}: {path} does not exist "
                          f"(cameras found: {', '.join(found) if found else 'none'})")

    def _connect(self) -> _CvConnection:
        self._check_exists()
        name = f"camera {redact_text(str(self.device))}"
        cap = call_with_timeout(self._open_capture, self.params.open_timeout, f"{name}: open")
        if cap is None:
            raise SourceError(f"cannot open {name}: not a camera, busy, or no permission "
                              f"(backend {self.params.backend})")
        return _CvConnection(cap, name, self._requested())

    def _open_capture(self) -> Any:
        """Open and request the mode: FOURCC first (it decides which sizes are possible)."""
        import cv2

        api = getattr(cv2, BACKENDS[self.params.backend])
        if self.params.backend == "auto" and sys.platform.startswith("linux"):
            api = cv2.CAP_V4L2
        with _quiet_opencv():
            cap = cv2.VideoCapture(self.device, api)
            if not cap.isOpened():
                cap.release()
                return None
            p = self.params
            if p.fourcc:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*p.fourcc))
            if p.width and p.height:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, p.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, p.height)
            if p.fps:
                cap.set(cv2.CAP_PROP_FPS, p.fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            ok, _ = cap.read()
        if not ok:
            cap.release()
            raise SourceError(f"camera {redact_text(str(self.device))} opened but gives no picture (in use by another program?)")
        return cap

    def open(self) -> SourceInfo:
        if isinstance(self.params.device, str):
            expanded = expand(self.params.device, "source.device")
            self.device = int(expanded) if expanded.strip().isdigit() else expanded
        self.info = self._feed.open("webcam")
        self._log_granted()
        return self.info

    def _log_granted(self) -> None:
        requested = self._requested()
        granted = self._feed.settings["granted"]
        differs = [k for k, v in requested.items() if k in granted and _differs(v, granted[k])]
        level = logging.WARNING if differs else logging.INFO
        log.log(level, "%s: %s%s", self.source_id, self._granted_text(),
                f" (the camera did not grant {', '.join(differs)})" if differs else "")

    def _granted_text(self) -> str:
        g = self._feed.settings["granted"]
        asked = self._requested()
        got = f"granted {g['width']}x{g['height']} at {g['fps']:g} fps" + (f" {g['fourcc']}" if g["fourcc"] else "")
        if not asked:
            return got
        want = " ".join(str(v) for v in (
            f"{asked['width']}x{asked['height']}" if "width" in asked else "",
            f"at {asked['fps']:g} fps" if "fps" in asked else "", asked.get("fourcc", "")) if v)
        return f"asked {want}, {got}"

    def _settings_text(self) -> str:
        return f"camera {self.params.device}: {self._granted_text()}"


def _differs(asked: Any, granted: Any) -> bool:
    if isinstance(asked, float) or isinstance(granted, float):
        return abs(float(asked) - float(granted)) > 0.5
    return asked != granted
