"""A loopback-friendly MJPEG-over-HTTP server: the newest JPEG goes to every viewer.

Publishing never touches a socket: it swaps the newest JPEG into a board and wakes the
viewer threads, each of which sends whatever is newest when it is ready. A slow or stalled
viewer therefore skips frames (its own thread blocks, at most `send_timeout` s) and can never
slow the publisher, i.e. the pipeline. Each frame is encoded once and framed as a multipart
part once, on the publisher's side: every viewer sends that same bytes object.

Bounded, because every connection costs a thread: a connection that has not sent a complete
request within `request_timeout` is closed (however slowly it dribbles bytes), at most
`max_viewers` watch at once (the next one gets 503), and connections beyond that plus a few
awaiting their request are closed at once. Used by the `mjpeg` sink and by `detect.testing.fake_camera`.

The page (mjpeg_page.html, plain HTML and JS, nothing loaded from elsewhere) shows the stream
and, when the server was given a `stats` callable, the numbers it returns as `/stats.json`,
polled once a second. The page and `/stats.json` are answered at once and hold no viewer place
(the page's own poll is never refused because its picture is watched); like every connection
they must arrive within `request_timeout` and count toward the connection bound.
"""

from __future__ import annotations

import html
import json
import logging
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any

from detect.redaction import redact_text

log = logging.getLogger(__name__)

BOUNDARY = "detectframe"
PENDING_REQUESTS = 16
"""Connections allowed beyond `max_viewers` while they send their request (page loads, the 503s)."""
Stats = Callable[[], dict[str, Any]]
"""Returns the `/stats.json` document (JSON-ready values), called in a request's thread."""
ALLOWED = "GET"


@cache
def page_template() -> str:
    return files(__package__).joinpath("mjpeg_page.html").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Published:
    """One frame as published: the JPEG (snapshots) and its multipart part (streams), made once."""

    seq: int
    jpeg: bytes
    part: bytes


def multipart_part(jpeg: bytes) -> bytes:
    """Content-Length on each part lets clients read it without waiting for the next boundary
    (one frame less latency in FFmpeg's mpjpeg demuxer)."""
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return head.encode() + jpeg + b"\r\n"


class FrameBoard:
    """The newest frame and its sequence number; viewers wait for a number they have not sent."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame = Published(0, b"", b"")
        self.closed = False

    @property
    def seq(self) -> int:
        with self._cond:
            return self._frame.seq

    def publish(self, jpeg: bytes) -> None:
        part = multipart_part(jpeg)  # outside the lock: viewers keep sending meanwhile
        with self._cond:
            self._frame = Published(self._frame.seq + 1, jpeg, part)
            self._cond.notify_all()

    def newer_than(self, seen: int, timeout: float) -> Published | None:
        """The newest frame if it is newer than `seen`, waiting up to `timeout` s; None otherwise."""
        with self._cond:
            self._cond.wait_for(lambda: self._frame.seq > seen or self.closed, timeout)
            if self.closed or self._frame.seq <= seen:
                return None
            return self._frame

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], board: FrameBoard, title: str, send_timeout: float,
                 request_timeout: float, max_viewers: int, stats: Stats | None) -> None:
        super().__init__(address, _Handler)
        self.board = board
        self.title = title
        self.stats = stats
        self.send_timeout = send_timeout
        self.request_timeout = request_timeout
        self.max_viewers = max_viewers
        self.viewers: set[socket.socket] = set()
        self.lock = threading.Lock()
        """Guards the viewers and connections below (handler threads and the serving thread)."""
        self.refused_viewers = 0
        self._open: set[Any] = set()
        self._awaiting: dict[socket.socket, float] = {}
        """Connections still sending their request -> monotonic deadline."""

    def admit_viewer(self, conn: socket.socket) -> bool:
        """Count `conn` as a viewer, unless `max_viewers` already watch."""
        with self.lock:
            if len(self.viewers) >= self.max_viewers:
                self.refused_viewers += 1
                return False
            self.viewers.add(conn)
            return True

    def drop_viewer(self, conn: socket.socket) -> None:
        with self.lock:
            self.viewers.discard(conn)

    def await_request(self, conn: socket.socket) -> None:
        with self.lock:
            self._awaiting[conn] = time.monotonic() + self.request_timeout

    def request_complete(self, conn: socket.socket) -> None:
        with self.lock:
            self._awaiting.pop(conn, None)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """In the serving thread, before a handler thread is started: refuse a flood outright."""
        with self.lock:
            if len(self._open) >= self.max_viewers + PENDING_REQUESTS:
                return False
            self._open.add(request)
            return True

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self._open.discard(request)
            self._awaiting.pop(request, None)
        super().shutdown_request(request)

    def service_actions(self) -> None:
        """Every poll interval, in the serving thread: close connections whose request is late.
        A total deadline, not a per-read timeout, so a client dribbling a byte at a time ends too."""
        super().service_actions()
        now = time.monotonic()
        with self.lock:
            late = [conn for conn, deadline in self._awaiting.items() if deadline <= now]
            for conn in late:
                del self._awaiting[conn]
        for conn in late:
            log.debug("mjpeg: closing a connection that sent no complete request in %g s", self.request_timeout)
            _shut(conn)

    def shut_connections(self) -> None:
        """End every open connection: viewers blocked in a send, requests still arriving."""
        with self.lock:
            connections = list(self._open)
        for conn in connections:
            _shut(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A viewer that vanishes mid-request is routine: no traceback on stderr."""
        log.debug("mjpeg: connection from %s ended with an error", client_address[0], exc_info=sys.exc_info())


def _shut(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _peer_closed(conn: socket.socket) -> bool:
    """The client hung up (readable, and reading would give end-of-file); never blocks."""
    try:
        if hasattr(select, "poll"):  # select.select fails on descriptors above 1023
            poller = select.poll()
            poller.register(conn, select.POLLIN)
            readable = bool(poller.poll(0))
        else:
            readable = bool(select.select([conn], [], [], 0)[0])
        return readable and conn.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        self.timeout = self.server.request_timeout  # per read, until the request is in
        super().setup()
        self.server.await_request(self.connection)

    def do_GET(self) -> None:  # http.server's naming
        self.server.request_complete(self.connection)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            title = html.escape(redact_text(self.server.title))
            self._send(200, "text/html; charset=utf-8", page_template().replace("{{title}}", title).encode())
        elif path == "/stream.mjpg":
            self._as_viewer(self._stream)
        elif path == "/snapshot.jpg":
            self._as_viewer(self._snapshot)
        elif path == "/stats.json" and self.server.stats is not None:
            body = json.dumps(self.server.stats(), allow_nan=False, separators=(",", ":"))
            self._send(200, "application/json", body.encode())
        else:
            stats = ", /stats.json" if self.server.stats is not None else ""
            self._send(404, "text/plain", f"not found: try /, /stream.mjpg, /snapshot.jpg{stats}\n".encode())

    def _not_allowed(self) -> None:
        """Every path is read-only: other methods get 405 naming the one allowed."""
        self.server.request_complete(self.connection)
        self.send_response(405)
        self.send_header("Allow", ALLOWED)
        self.send_header("Content-Type", "text/plain")
        body = f"method {self.command} not allowed (only {ALLOWED})\n".encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def _as_viewer(self, serve: Callable[[], None]) -> None:
        """Serve as one of at most `max_viewers`; the next one gets 503 and is closed."""
        if not self.server.admit_viewer(self.connection):
            if self.server.refused_viewers == 1:
                log.warning("mjpeg: %d viewers already watch (max_viewers); refusing more", self.server.max_viewers)
            self._send(503, "text/plain", f"too many viewers (at most {self.server.max_viewers})\n".encode(),
                       retry_after=5)
            return
        try:
            serve()
        finally:
            self.server.drop_viewer(self.connection)

    def _snapshot(self) -> None:
        """The next frame; the request counts as a viewer while it waits (so frames are made)."""
        board = self.server.board
        item = board.newer_than(board.seq, timeout=self.server.send_timeout)
        if item is None:
            self._send(503, "text/plain", b"no frame within the timeout\n")
        else:
            self._send(200, "image/jpeg", item.jpeg)

    def _send(self, code: int, kind: str, body: bytes, retry_after: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store")
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        """One part per new frame, the same bytes object for every viewer."""
        board = self.server.board
        self.connection.settimeout(self.server.send_timeout)
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache, no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        seen = board.seq  # live from here: no stale frame left from an earlier viewer
        try:
            while not board.closed:
                item = board.newer_than(seen, timeout=0.25)
                if item is None:
                    if _peer_closed(self.connection):
                        return  # no frame to fail on: free the place now
                    continue
                seen = item.seq
                self.wfile.write(item.part)
        except OSError:
            pass  # the viewer left or was too slow for send_timeout: only this viewer ends

    def log_message(self, format: str, *args: object) -> None:
        log.debug("mjpeg %s: " + format, self.client_address[0], *args)


class MjpegServer:
    """Serve `/` (a page), `/stream.mjpg` (multipart MJPEG), `/snapshot.jpg` and, given `stats`,
    `/stats.json` on host:port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, title: str = "detect",
                 send_timeout: float = 5.0, request_timeout: float = 5.0, max_viewers: int = 10,
                 stats: Stats | None = None) -> None:
        self.host, self.port, self.title, self.send_timeout = host, port, title, send_timeout
        self.request_timeout, self.max_viewers, self.stats = request_timeout, max_viewers, stats
        self.board = FrameBoard()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind (port 0 picks a free one) and serve in a daemon thread; return the page's URL."""
        self._server = _Server((self.host, self.port), self.board, self.title, self.send_timeout,
                               self.request_timeout, self.max_viewers, self.stats)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"mjpeg-{self.port}", daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def stream_url(self) -> str:
        return self.url + "stream.mjpg"

    @property
    def viewers(self) -> int:
        if self._server is None:
            return 0
        with self._server.lock:
            return len(self._server.viewers)

    def publish(self, jpeg: bytes) -> None:
        self.board.publish(jpeg)

    def close(self) -> None:
        """Stop accepting, end every connection (their sockets are shut down, so a viewer
        blocked in a send ends too) and release the port."""
        server, self._server = self._server, None
        self.board.close()
        if server is None:
            return
        server.shutdown()
        server.shut_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
