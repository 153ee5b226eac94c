"""Pipeline fps with N browser viewers on the `mjpeg` sink, against the same run with none.

A real clip is run as a file (every frame processed, so fps is the pipeline's own speed) with
the default model, ByteTrack, boxes and labels, and an `mjpeg` sink. After the first frame a
separate process opens N `/stream.mjpg` connections and reads them as fast as they come (one
selector loop, like N browser tabs elsewhere on the machine). fps is timed from frame
`--skip` on, so model loading and the viewers' connecting are left out. Printed, not asserted.

    DETECT_MODELS_DIR=../shared/models python scripts/mjpeg_viewers.py --viewers 0 50
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from detect.config import parse
from detect.pipeline import build
from detect.sinks.mjpeg import MjpegSink
from detect.types import Packet

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "data" / "videos" / "highway_udacity_solidWhiteRight.mp4"
VIEWERS = """
import selectors, socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /stream.mjpg HTTP/1.0\\r\\n\\r\\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
buf = bytearray(1 << 20)
while sel.get_map():
    for key, _ in sel.select():
        try:
            if not key.fileobj.recv_into(buf):
                sel.unregister(key.fileobj)
        except OSError:
            sel.unregister(key.fileobj)
"""


def config(clip: Path, frames: int, viewers: int) -> dict:
    sink = {"type": "mjpeg", "port": 0}
    if "max_viewers" in MjpegSink.Params.model_fields:
        sink["max_viewers"] = max(1, viewers)
    return {
        "source": {"type": "video", "path": str(clip), "end": frames / 25.0},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt"},
        "tracker": {"type": "bytetrack"},
        "annotators": [{"type": "boxes"}, {"type": "labels"}],
        "sinks": [sink],
    }


def measure(clip: Path, frames: int, viewers: int, skip: int) -> tuple[float, int, int]:
    """(fps from frame `skip` on, viewers connected at the end, JPEGs encoded)."""
    pipeline = build(parse(config(clip, frames, viewers)))
    sink = pipeline.sinks[0].stage
    times: list[float] = []
    clients: subprocess.Popen | None = None
    seen = 0

    def on_packet(packet: Packet) -> None:
        nonlocal clients, seen
        times.append(time.perf_counter())
        seen = max(seen, sink.viewers)
        if len(times) == 1 and viewers:
            port = int(sink.url.rsplit(":", 1)[1].strip("/"))
            clients = subprocess.Popen([sys.executable, "-c", VIEWERS, str(port), str(viewers)])

    try:
        pipeline.run(on_packet=on_packet)
    finally:
        if clients is not None:
            clients.kill()
            clients.wait()
    timed = times[skip:]
    fps = (len(timed) - 1) / (timed[-1] - timed[0]) if len(timed) > 1 else 0.0
    return fps, seen, getattr(sink, "frames_encoded", getattr(sink, "frames_sent", -1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=220, help="frames to run (at the clip's 25 fps)")
    parser.add_argument("--skip", type=int, default=20, help="frames left out of the timing")
    parser.add_argument("--viewers", type=int, nargs="+", default=[0, 50])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.repeat):
        for count in args.viewers:
            fps, seen, encoded = measure(args.clip, args.frames, count, args.skip)
            print(f"viewers {count:3d}: {fps:5.1f} fps (most connected at once: {seen}, JPEGs encoded: {encoded})",
                  flush=True)


if __name__ == "__main__":
    main()
