"""A loopback-friendly MJPEG-over-HTTP server: the newest JPEG goes to every viewer.

Publishing never touches a socket: it swaps the newest JPEG into a board and wakes the
viewer threads, each of which sends whatever is newest when it is ready. A slow or stalled
viewer therefore skips frames (its own thread blocks, at most `send_timeout` s) and can never
slow the publisher, i.e. the pipeline. Used by the `mjpeg` sink and by `detect.testing.fake_camera`.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

BOUNDARY = "detectframe"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{margin:0;background:#111;color:#ddd;font:14px sans-serif}}
img{{display:block;max-width:100vw;max-height:calc(100vh - 2em);margin:auto}}
p{{text-align:center;margin:.4em}}</style></head>
<body><img src="/stream.mjpg" alt="live stream"><p>{title} &middot; live</p></body></html>
"""


class FrameBoard:
    """The newest JPEG and its sequence number; viewers wait for a number they have not sent."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jpeg = b""
        self._seq = 0
        self.closed = False

    @property
    def seq(self) -> int:
        with self._cond:
            return self._seq

    def publish(self, jpeg: bytes) -> None:
        with self._cond:
            self._jpeg, self._seq = jpeg, self._seq + 1
            self._cond.notify_all()

    def newer_than(self, seen: int, timeout: float) -> tuple[int, bytes] | None:
        """The newest frame if it is newer than `seen`, waiting up to `timeout` s; None otherwise."""
        with self._cond:
            self._cond.wait_for(lambda: self._seq > seen or self.closed, timeout)
            if self.closed or self._seq <= seen:
                return None
            return self._seq, self._jpeg

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], board: FrameBoard, title: str, send_timeout: float) -> None:
        super().__init__(address, _Handler)
        self.board = board
        self.title = title
        self.send_timeout = send_timeout
        self.viewers: set[socket.socket] = set()
        self.viewers_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # http.server's naming
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(200, "text/html; charset=utf-8", PAGE.format(title=self.server.title).encode())
        elif path == "/stream.mjpg":
            self._stream()
        elif path == "/snapshot.jpg":
            self._snapshot()
        else:
            self._send(404, "text/plain", b"not found: try / or /stream.mjpg\n")

    def _snapshot(self) -> None:
        """The next frame; the request counts as a viewer while it waits (so frames are made)."""
        board = self.server.board
        with self.server.viewers_lock:
            self.server.viewers.add(self.connection)
        try:
            item = board.newer_than(board.seq, timeout=self.server.send_timeout)
        finally:
            with self.server.viewers_lock:
                self.server.viewers.discard(self.connection)
        if item is None:
            self._send(503, "text/plain", b"no frame within the timeout\n")
        else:
            self._send(200, "image/jpeg", item[1])

    def _send(self, code: int, kind: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        """One part per new frame; Content-Length on each part lets clients read it without
        waiting for the next boundary (one frame less latency in FFmpeg's mpjpeg demuxer)."""
        board = self.server.board
        self.connection.settimeout(self.server.send_timeout)
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache, no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        with self.server.viewers_lock:
            self.server.viewers.add(self.connection)
        seen = board.seq  # live from here: no stale frame left from an earlier viewer
        try:
            while not board.closed:
                item = board.newer_than(seen, timeout=0.25)
                if item is None:
                    continue
                seen, jpeg = item
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                self.wfile.write(head.encode() + jpeg + b"\r\n")
                self.wfile.flush()
        except OSError:
            pass  # the viewer left or was too slow for send_timeout: only this viewer ends
        finally:
            with self.server.viewers_lock:
                self.server.viewers.discard(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("mjpeg %s: " + format, self.client_address[0], *args)


class MjpegServer:
    """Serve `/` (a page), `/stream.mjpg` (multipart MJPEG) and `/snapshot.jpg` on host:port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, title: str = "detect",
                 send_timeout: float = 5.0) -> None:
        self.host, self.port, self.title, self.send_timeout = host, port, title, send_timeout
        self.board = FrameBoard()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind (port 0 picks a free one) and serve in a daemon thread; return the page's URL."""
        self._server = _Server((self.host, self.port), self.board, self.title, self.send_timeout)
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
        with self._server.viewers_lock:
            return len(self._server.viewers)

    def publish(self, jpeg: bytes) -> None:
        self.board.publish(jpeg)

    def close(self) -> None:
        """Stop accepting, end every viewer's stream (their sockets are shut down, so a viewer
        blocked in a send ends too) and release the port."""
        server, self._server = self._server, None
        self.board.close()
        if server is None:
            return
        server.shutdown()
        with server.viewers_lock:
            for conn in list(server.viewers):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already gone
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
