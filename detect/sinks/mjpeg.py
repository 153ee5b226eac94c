"""`mjpeg`: watch the annotated result live in a browser (MJPEG over HTTP, a page with live stats).

Every written frame updates the page's numbers (`live_stats.StreamStats`: fixed-size state,
about 16 µs per frame with 10 tracked boxes), served as `/stats.json` whether or not anyone watches.
Frames are JPEG-encoded in the writer thread only while someone watches, once for all viewers,
then handed to the server's board; viewers take the newest frame in their own threads, so a slow or vanished
viewer skips frames instead of slowing the pipeline (see mjpeg_server.py).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import Field

from detect.contract import Sink
from detect.errors import DetectError
from detect.live_stats import StreamStats
from detect.params import StageParams
from detect.registry import sinks
from detect.sinks.mjpeg_server import MjpegServer
from detect.types import Packet, SourceInfo

log = logging.getLogger(__name__)


@sinks.register("mjpeg")
class MjpegSink(Sink):
    """Live annotated stream for browsers: http://HOST:PORT/ (page with live stats), /stream.mjpg, /stats.json."""

    class Params(StageParams):
        host: str = Field("127.0.0.1", description="address to listen on (0.0.0.0 exposes the stream "
                                                   "to the network: it has no password)")
        port: int = Field(8080, ge=0, le=65535, description="TCP port (0 = any free port, logged)")
        quality: int = Field(80, ge=1, le=100, description="JPEG quality")
        max_width: int | None = Field(None, ge=16, description="scale frames down to at most this width")
        send_timeout: float = Field(5.0, gt=0, le=120, description="a viewer that takes longer to accept "
                                                                   "a frame is disconnected")
        request_timeout: float = Field(5.0, gt=0, le=120, description="a connection that sends no complete "
                                                                      "request within this is closed")
        max_viewers: int = Field(10, ge=1, le=1000, description="viewers at once (each costs a thread and "
                                                                "bandwidth); the next one gets HTTP 503")
        events: int = Field(20, ge=0, le=200, description="newest events listed on the page")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._server: MjpegServer | None = None
        self._stats: StreamStats | None = None
        self.frames_encoded = 0
        """JPEG encodes: one per frame written while someone watches, however many watch."""
        self.url = ""
        """The page's address once open (kept after close, for the summary)."""

    def outputs(self) -> list[str]:
        """The page's URL is listed with the run's outputs."""
        return [self.url]

    @property
    def viewers(self) -> int:
        return self._server.viewers if self._server is not None else 0

    def open(self, info: SourceInfo) -> None:
        p = self.params
        self._stats = StreamStats(info.source_id, events=p.events)
        server = MjpegServer(p.host, p.port, title=f"detect: {info.source_id}", send_timeout=p.send_timeout,
                             request_timeout=p.request_timeout, max_viewers=p.max_viewers, stats=self.stats)
        try:
            server.start()
        except OSError as exc:
            raise DetectError(f"cannot serve on {p.host}:{p.port}: {exc.strerror or exc} "
                              f"(another program on that port? set port: 0 for any free one)") from None
        self._server = server
        self.url = server.url
        log.info("watch the live result at %s", server.url)

    def stats(self) -> dict[str, Any]:
        """The `/stats.json` document: the stream's numbers and how many watch it."""
        doc = self._stats.snapshot() if self._stats is not None else {}
        return {**doc, "viewers": self.viewers}

    def write(self, packet: Packet) -> None:
        import cv2

        if self._stats is not None:
            self._stats.add(packet)
        if self._server is None or not self._server.viewers:
            return
        image = packet.canvas if packet.canvas is not None else packet.frame.image
        limit = self.params.max_width
        if limit and image.shape[1] > limit:
            image = cv2.resize(image, (limit, round(image.shape[0] * limit / image.shape[1])),
                               interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.params.quality])
        self.frames_encoded += 1
        if ok:
            self._server.publish(data.tobytes())

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
