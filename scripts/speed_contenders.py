"""One contender of scripts/bench_speed.py, run in its own process so start-up and peak RSS are its own.

Prints one JSON line (stage_cpu: process CPU ms per frame by stage instead): frames, startup_s (process start -> first frame done), steady_fps (frames after
the first / time after the first), and optional RSS samples. `t0` is the parent's wall clock at spawn.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import chain
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


def bare_detector(config: str, source: str, overrides: list[str]) -> tuple[int, float, float, int]:
    """The ceiling: decode + inference on every frame with fast.yaml's detector (its batch, hence
    OpenVINO's throughput mode when batch > 1, as in detect run); nothing else."""
    from detect.config import load
    from detect.sources.video import VideoSource

    spec = load(config, ["detector.detect_every=1", *overrides], source).detector
    detector = spec.build()
    video = VideoSource(VideoSource.Params(path=source))
    info = video.open()
    detector.open(info)
    detector.warmup()
    first = last = None
    frames = first_batch = 0
    pending = []
    for frame in chain(video, [None]):
        if frame is not None:
            pending.append(frame.image)
        if pending and (frame is None or len(pending) == detector.batch):
            detector.detect(pending)
            frames += len(pending)
            pending = []
            last = time.time()
            first = first or last
            first_batch = first_batch or frames
    return frames, first, last, first_batch


def stage_cpu(config: str, source: str, overrides: list[str]) -> dict:
    """Process CPU per frame of each stage of CONFIG with the detector on every frame, each run alone."""
    from detect.bench.stage_cpu import measure
    from detect.config import load

    result = measure(load(config, ["detector.detect_every=1", *overrides], source))
    return {"frames": result.frames, "width": result.width, "height": result.height, "ms": result.ms}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["yolo_track", "detect_run", "bare_detector", "stage_cpu"])
    parser.add_argument("--model")
    parser.add_argument("--config")
    parser.add_argument("--source", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--rss-at", type=int, nargs="*", default=[])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    extra: dict = {}
    before = 1  # frames done at the first stamp (a batch for the bare detector); steady fps counts the rest
    if args.kind == "stage_cpu":
        print(json.dumps(stage_cpu(args.config, args.source, args.overrides)))
        return
    if args.kind == "yolo_track":
        frames, first, last = yolo_track(args.model, args.source, args.out)
    elif args.kind == "detect_run":
        frames, first, last, extra = detect_run(args.config, args.source, args.out, args.rss_at, args.overrides)
    else:
        frames, first, last, before = bare_detector(args.config, args.source, args.overrides)
    steady = (frames - before) / (last - first) if frames > before and last > first else 0.0
    print(json.dumps({"frames": frames, "startup_s": first - args.t0, "steady_fps": steady,
                      "pid": os.getpid(), **extra}))


if __name__ == "__main__":
    main()
