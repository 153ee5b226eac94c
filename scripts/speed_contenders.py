"""One contender of scripts/bench_speed.py, run in its own process so start-up and peak RSS are its own.

Prints one JSON line: frames, startup_s (process start -> first frame done), steady_fps (frames after
the first / time after the first), and optional RSS samples. `t0` is the parent's wall clock at spawn.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def yolo_track(model: str, source: str, out: str) -> tuple[int, float, float]:
    """Ultralytics' own `yolo track ... save=True` (the CLI calls this same method)."""
    from ultralytics import YOLO

    first = last = None
    frames = 0
    for _ in YOLO(model, task="detect").track(source=source, save=True, stream=True, verbose=False,
                                              tracker="bytetrack.yaml", project=out, name="track"):
        frames += 1
        last = time.time()
        first = first or last
    return frames, first, last


def detect_run(config: str, source: str, out: str, rss_at: list[int],
               overrides: list[str]) -> tuple[int, float, float, dict]:
    """`detect run CONFIG --source CLIP` through the library (same code path as the CLI)."""
    import psutil

    from detect.config import load
    from detect.pipeline import build

    process = psutil.Process()
    stamps: dict[str, float] = {}
    rss: dict[int, int] = {}
    count = 0

    def on_packet(packet) -> None:
        nonlocal count
        count += 1
        now = time.time()
        stamps.setdefault("first", now)
        stamps["last"] = now
        if count in rss_at:
            rss[count] = process.memory_info().rss

    overrides = [f"sinks.0.path={out}/fast.mp4", f"sinks.1.path={out}/fast.jsonl", *overrides]
    result = build(load(config, overrides, source)).run(on_packet=on_packet)
    return result.frames, stamps["first"], stamps["last"], {"rss": rss, "backend": result.backend}


def bare_detector(config: str, source: str) -> tuple[int, float, float]:
    """The ceiling: decode + inference on every frame with fast.yaml's detector; nothing else."""
    from detect.config import load
    from detect.sources.video import VideoSource

    spec = load(config, ["detector.detect_every=1", "detector.batch=1"], source).detector
    detector = spec.build()
    video = VideoSource(VideoSource.Params(path=source))
    info = video.open()
    detector.open(info)
    detector.warmup()
    first = last = None
    frames = 0
    for frame in video:
        detector.detect([frame.image])
        frames += 1
        last = time.time()
        first = first or last
    return frames, first, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["yolo_track", "detect_run", "bare_detector"])
    parser.add_argument("--model")
    parser.add_argument("--config")
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--rss-at", type=int, nargs="*", default=[])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    extra: dict = {}
    if args.kind == "yolo_track":
        frames, first, last = yolo_track(args.model, args.source, args.out)
    elif args.kind == "detect_run":
        frames, first, last, extra = detect_run(args.config, args.source, args.out, args.rss_at, args.overrides)
    else:
        frames, first, last = bare_detector(args.config, args.source)
    steady = (frames - 1) / (last - first) if frames > 1 and last > first else 0.0
    print(json.dumps({"frames": frames, "startup_s": first - args.t0, "steady_fps": steady,
                      "pid": os.getpid(), **extra}))


if __name__ == "__main__":
    main()
