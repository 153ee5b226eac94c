"""`stream`: network cameras and streams through PyAV (FFmpeg inside): RTSP, HTTP MJPEG, HLS, ...

Opened with low-delay flags and slice (not frame) threading, because frame threading holds
back one frame per decoder thread. Reads are bounded by `read_timeout`, a stream that sends
data but no pictures by `stall_timeout`; either reconnects (see live.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import numpy as np
from pydantic import Field, field_validator

from detect.env_vars import check_set, expand
from detect.errors import ConfigError, SourceError
from detect.params import StageParams
from detect.redaction import redact_text
from detect.registry import sources
from detect.sources.backoff import ReconnectParams
from detect.sources.live import FeedSource, LiveFeed, StreamLost
from detect.types import SourceInfo

if TYPE_CHECKING:
    import av

log = logging.getLogger(__name__)

LOW_DELAY = {"fflags": "nobuffer", "flags": "low_delay"}


def redact(url: str) -> str:
    """The URL without its password, for logs, events and outputs; never raises (a bad port
    or a broken IPv6 address is shown as it is, only the password hidden)."""
    return redact_text(url)


class _AvConnection:
    """One opened URL; `read()` decodes the next picture."""

    def __init__(self, url: str, shown: str, options: dict[str, str], open_timeout: float, read_timeout: float,
                 stall_timeout: float) -> None:
        import av

        try:
            self._container = av.open(url, options=options, timeout=(open_timeout, read_timeout))
        except av.ExitError:
            raise SourceError(f"cannot open {shown}: no answer within {open_timeout:g} s") from None
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(f"cannot open {shown}: {_reason(exc)}") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"cannot open {shown}: no video stream in it")
        stream = self._container.streams.video[0]
        stream.thread_type = "SLICE"
        self._stream = stream
        rate = stream.average_rate
        self.fps: float | None = float(rate) if rate else None
        self.settings: dict[str, Any] = {"codec": stream.codec_context.name, "format": self._container.format.name}
        self._stall_timeout = stall_timeout
        self._read_timeout = read_timeout
        self.damaged = 0
        self._frames = self._decode()

    def _decode(self) -> Iterator[av.VideoFrame | None]:
        """Pictures as they decode, and None for each packet that gave none (so a stream of
        data without pictures is noticed as a stall). A damaged packet (a lost UDP datagram, a
        truncated JPEG) is skipped and counted: one bad picture is no reason to reconnect."""
        import av

        for packet in self._container.demux(self._stream):
            try:
                frames = packet.decode()
            except av.InvalidDataError as exc:
                self.damaged += 1
                log.debug("skipped a damaged packet (%d so far): %s", self.damaged, _reason(exc))
                frames = []
            if not frames:
                yield None
            yield from frames

    def read(self) -> np.ndarray | None:
        import av

        started = time.monotonic()
        while True:
            try:
                frame = next(self._frames)
            except StopIteration:
                return None
            except av.ExitError:
                raise StreamLost(f"stall: no data for {self._read_timeout:g} s") from None
            except (av.FFmpegError, OSError) as exc:
                raise StreamLost(f"error: {_reason(exc)}") from None
            if frame is not None:
                return frame.to_ndarray(format="bgr24")
            if time.monotonic() - started > self._stall_timeout:
                raise StreamLost(f"stall: no picture for {self._stall_timeout:g} s")

    def close(self) -> None:
        self._frames.close()
        self._container.close()


def _check_port(url: str) -> None:
    """A port that is not a number in 0..65535 (`:99999`, `:abc`) is the user's mistake, said as such."""
    try:
        urlsplit(url).port  # noqa: B018  (the property parses and checks it)
    except ValueError as exc:
        raise ValueError(f"bad port in the URL: {exc}") from None


def _reason(exc: BaseException) -> str:
    """FFmpeg's message without the URL it repeats (which may hold a password)."""
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc)


@sources.register("stream")
class StreamSource(FeedSource):
    """A network camera or stream (rtsp://, rtsps://, http(s):// MJPEG/MPEG-TS/HLS, ...): newest frame, reconnects."""

    class Params(StageParams):
        path: str = Field(description="stream URL: rtsp://, rtsps://, http(s):// (MJPEG, MPEG-TS, HLS), "
                                      "anything FFmpeg opens (`path` so that --source URL works)")
        transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport (tcp survives lossy "
                                                                   "networks and NAT; udp has less delay)")
        open_timeout: float = Field(10.0, gt=0, le=300, description="seconds to connect and read the stream's header")
        read_timeout: float = Field(5.0, gt=0, le=300, description="a read with no data for this long fails "
                                                                   "(then reconnect)")
        stall_timeout: float = Field(5.0, gt=0, le=300, description="data but no picture for this long "
                                                                    "counts as a stall (then reconnect)")
        fps: float | None = Field(None, gt=0, le=1000, description="frame rate for the outputs (default: the "
                                                                   "stream's, else measured on the first frames)")
        reconnect: ReconnectParams = Field(default_factory=ReconnectParams,
                                           description="backoff after a stall or error")
        options: dict[str, str] = Field(default_factory=dict, description="extra FFmpeg options, e.g. "
                                                                          "{probesize: '32768'}")

        @field_validator("path")
        @classmethod
        def _url(cls, value: str) -> str:
            scheme = urlsplit(value).scheme
            if "://" not in value or not scheme:
                raise ValueError("expected a URL like rtsp://host/path or http://host:port/stream.mjpg "
                                 "(for a file use the video source)")
            if "${" not in urlsplit(value).netloc:
                _check_port(value)
            return value

    def __init__(self, params: Params) -> None:
        self.params = params
        self.source_id = redact(params.path)
        self._feed = LiveFeed(f"stream {self.source_id}", self.source_id, self._connect, params.reconnect, params.fps)
        self.info: SourceInfo | None = None
        self._url = ""
        """The URL with ${VAR}s expanded, set by open() only (the params keep the references)."""

    def check(self) -> None:
        check_set(self.params.path, "source.path")
        parts = urlsplit(self.params.path)
        if parts.scheme.lower() not in ("file", "pipe") and not parts.netloc:
            raise ConfigError(f"source.path: no host in {self.source_id} (expected e.g. rtsp://host/path)")

    def _options(self) -> dict[str, str]:
        options = dict(LOW_DELAY)
        if urlsplit(self.params.path).scheme.lower() in ("rtsp", "rtsps"):
            options["rtsp_transport"] = self.params.transport
        options.update(self.params.options)
        return options

    def _connect(self) -> _AvConnection:
        p = self.params
        return _AvConnection(self._url, self.source_id, self._options(), p.open_timeout, p.read_timeout,
                             p.stall_timeout)

    def open(self) -> SourceInfo:
        self._url = expand(self.params.path, "source.path")
        self.info = self._feed.open("stream")
        s = self._feed.settings
        log.info("stream %s: %dx%d at %.1f fps (%s, %s)", self.source_id, s["width"], s["height"], s["fps"],
                 s.get("format"), s.get("codec"))
        return self.info

    def _settings_text(self) -> str:
        s = self._feed.settings
        return f"stream: {s['width']}x{s['height']} at {s['fps']:g} fps ({s.get('format')}, {s.get('codec')})"
