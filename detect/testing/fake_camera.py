"""Serve a video file as a live MJPEG camera on HTTP, looping at a fixed frame rate.

A stand-in IP camera for tests, benchmarks and demos that needs no extra system package:
frames are decoded and JPEG-encoded once, then published on a fixed clock (frame i at
start + i / fps, so the rate does not drift). `pause()` keeps connections open but sends
nothing (a stalled camera); `close()` drops every connection (a camera that went away).

    python -m detect.testing.fake_camera ../shared/data/videos/clip.mp4 --port 8090 --fps 30
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from detect.errors import SourceError
from detect.sinks.mjpeg_server import MjpegServer


def encode_clip(path: Path, max_frames: int = 150, scale: float = 1.0, quality: int = 80) -> list[bytes]:
    """Up to `max_frames` frames of a clip as JPEG bytes (optionally resized by `scale`)."""
    import av
    import cv2

    if not path.is_file():
        raise SourceError(f"video not found: {path}")
    jpegs: list[bytes] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            image = frame.to_ndarray(format="bgr24")
            if scale != 1.0:
                image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok:
                jpegs.append(data.tobytes())
            if len(jpegs) >= max_frames:
                break
    if not jpegs:
        raise SourceError(f"no frame decodes: {path}")
    return jpegs


class ClipServer:
    """`MjpegServer` fed from a clip on a fixed clock, in a daemon thread."""

    def __init__(self, jpegs: list[bytes], fps: float = 30.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.jpegs = jpegs
        self.fps = fps
        self.server = MjpegServer(host, port, title="detect replay")
        self.paused = threading.Event()
        self.published = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ClipServer:
        self.server.start()
        self._thread = threading.Thread(target=self._feed, name="clip-server", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return self.server.stream_url

    @property
    def port(self) -> int:
        return self.server.port

    def _feed(self) -> None:
        start = time.monotonic()
        i = 0
        while not self._stop.is_set():
            due = start + i / self.fps
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            if not self.paused.is_set():
                self.server.publish(self.jpegs[i % len(self.jpegs)])
                self.published += 1
            i += 1

    def pause(self) -> None:
        self.paused.set()

    def resume(self) -> None:
        self.paused.clear()

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> ClipServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a video file as a live MJPEG camera (loops).")
    parser.add_argument("clip", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--scale", type=float, default=1.0, help="resize frames by this factor")
    parser.add_argument("--max-frames", type=int, default=300, help="frames kept in memory (the loop length)")
    args = parser.parse_args()
    with ClipServer(encode_clip(args.clip, args.max_frames, args.scale), args.fps, args.host, args.port) as server:
        print(f"serving {args.clip} at {server.url} ({args.fps:g} fps); Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
