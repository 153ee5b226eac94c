"""Live latency of a full pipeline on a 30 fps camera, next to the model's own inference time.

A real dashcam clip is served on loopback as an MJPEG camera (detect.testing.fake_camera) at
--fps; `detect`'s `stream` source reads it with the default model, ByteTrack, boxes/labels/HUD
and mp4 + JSONL outputs. Per written frame it records capture -> all outputs written, and the
detector's own preprocess + inference + postprocess time in the same run. It prints p50/p95 of
both, the stale-frame drop ratio, per-minute medians and the latency trend (least-squares
slope), and checks the goal: p95 latency <= model p95 + one frame interval, and no upward
trend (the fitted rise over the whole run stays under one frame interval; a queue would grow
by a frame interval every few frames).

    DETECT_MODELS_DIR=../shared/models python scripts/live_latency.py              # 5 minutes
    DETECT_MODELS_DIR=../shared/models python scripts/live_latency.py --seconds 60 # shorter
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from detect.config import parse
from detect.pipeline import RunResult, build
from detect.runtime import StopToken
from detect.stats import percentiles_ms
from detect.testing.fake_camera import ClipServer, encode_clip
from detect.types import Packet

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "data" / "videos" / "highway_udacity_solidWhiteRight.mp4"
MODEL_KEYS = ("preprocess", "inference", "postprocess")
AFTER_MODEL = ("track", "analytics", "annotate", "encode")


def pipeline_config(url: str, out: Path, model: str, backend: str | None = None) -> dict:
    return {
        "source": {"type": "stream", "path": url},
        "detector": {"type": "ultralytics", "model": model, "backend": backend},
        "tracker": {"type": "bytetrack"},
        "annotators": [{"type": "boxes"}, {"type": "labels"}, {"type": "hud", "sections": ["live"]}],
        "sinks": [{"type": "video", "path": str(out / "live.mp4"), "preset": "ultrafast"},  # as configs/stream.yaml
                  {"type": "jsonl", "path": str(out / "live.jsonl")}],
    }


class Recorder:
    """Per written frame: when, its latency and its stage times (the run itself keeps only
    fixed-size statistics); stops the run `seconds` after the first frame; prints a progress
    line every 10 s."""

    def __init__(self, seconds: float, stop: StopToken) -> None:
        self.seconds = seconds
        self.stop = stop
        self.start = 0.0
        self.times: list[float] = []
        self.latencies: list[float] = []
        self.stage_times: dict[str, list[float]] = {}
        self._recent: list[float] = []
        self._next_print = 10.0

    def __call__(self, packet: Packet) -> None:
        now = time.monotonic()
        if not self.times:
            self.start = now
        self.times.append(now - self.start)
        self.latencies.append(now - packet.frame.capture_time)
        for key, value in packet.timings.items():
            self.stage_times.setdefault(key, []).append(value)
        self._recent.append(now - packet.frame.capture_time)
        if self.times[-1] >= self.seconds:
            self.stop.request("measured long enough")
        if self.times[-1] >= self._next_print:
            print(f"  {self.times[-1]:4.0f} s: {len(self.times)} frames, last 10 s {percentiles_ms(self._recent)}",
                  flush=True)
            self._recent, self._next_print = [], self._next_print + 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP, help="clip served as the camera (loops)")
    parser.add_argument("--fps", type=float, default=30.0, help="camera frame rate")
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to measure")
    parser.add_argument("--model", default="yolo11n.pt", help="detector model (default: the default model)")
    parser.add_argument("--backend", default=None, help="detector backend (default: the model's own, torch for .pt)")
    parser.add_argument("--out", type=Path, help="keep the outputs here (default: a temporary folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    with tempfile.TemporaryDirectory() as tmp, ClipServer(encode_clip(args.clip, max_frames=200), args.fps) as camera:
        pipeline = build(parse(pipeline_config(camera.url, args.out or Path(tmp), args.model, args.backend)))
        recorder = Recorder(args.seconds, pipeline.stop)
        print(f"camera: {args.clip.name} at {args.fps:g} fps on {camera.url}; measuring {args.seconds:g} s",
              flush=True)
        result = pipeline.run(on_packet=recorder)
    report(result, recorder, args.fps)


def report(result: RunResult, recorder: Recorder, fps: float) -> None:
    at_s = np.array(recorder.times)
    latency = np.asarray(recorder.latencies) * 1000
    model = sum(np.asarray(recorder.stage_times.get(k, [0.0] * len(latency))) for k in MODEL_KEYS) * 1000
    read = result.frames + result.dropped
    frame_ms = 1000 / fps
    lat = {q: float(np.percentile(latency, q)) for q in (50, 95)}
    mod = {q: float(np.percentile(model, q)) for q in (50, 95)}
    slope = float(np.polyfit(at_s / 60, latency, 1)[0]) if len(latency) > 10 else 0.0
    print(f"\nbackend {result.backend}; {result.frames} frames written in {result.seconds:.0f} s "
          f"({result.fps:.1f} fps) of {read} read")
    print(f"model latency (preprocess+inference+postprocess): p50 {mod[50]:.1f} ms, p95 {mod[95]:.1f} ms")
    print(f"live latency (capture -> all outputs written):   p50 {lat[50]:.1f} ms, p95 {lat[95]:.1f} ms, "
          f"max {latency.max():.1f} ms")
    after = {k: result.stage_times[k].percentile_s(50) * 1000 for k in AFTER_MODEL if k in result.stage_times}
    print("after the model (p50): " + ", ".join(f"{k} {v:.1f} ms" for k, v in after.items()))
    print(f"dropped as stale: {result.dropped} of {read} ({result.dropped / max(1, read):.1%})")
    minutes = np.floor(at_s / 60).astype(int)
    full = [m for m in np.unique(minutes) if at_s[-1] >= (m + 1) * 60 - 1]
    medians = [f"{float(np.median(latency[minutes == m])):.0f}" for m in full]
    rise = slope * (at_s[-1] - at_s[0]) / 60
    print(f"median latency per full minute (ms): {', '.join(medians) or '-'}; trend {slope:+.2f} ms/minute "
          f"({rise:+.1f} ms over the run)")
    budget = mod[95] + frame_ms
    flat = rise <= frame_ms
    verdict = "met" if lat[95] <= budget and flat else "NOT met"
    print(f"goal: p95 <= model p95 + one frame ({mod[95]:.1f} + {frame_ms:.1f} = {budget:.1f} ms), and no upward "
          f"trend (a rise under one frame interval over the run): {verdict}")


if __name__ == "__main__":
    main()
