"""Memory of a long run: RSS after 1,000 frames against RSS after 10,000 frames, in one process.

Runs the real `configs/dashcam.yaml` pipeline (ByteTrack, boxes, labels, trails, H.264 mp4 and
JSONL) on a shared clip looped to `--frames` frames, and prints resident memory at each
checkpoint. Everything a run keeps (latency and stage statistics, live stats) is fixed-size,
so the difference should stay under 30 MB.

    DETECT_MODELS_DIR=../shared/models python scripts/memory_growth.py
    DETECT_MODELS_DIR=../shared/models python scripts/memory_growth.py --model yolo11n.pt   # torch, slower
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from bench_speed import looped_clip  # noqa: E402

from detect.config import load  # noqa: E402
from detect.pipeline import build  # noqa: E402
from detect.types import Packet  # noqa: E402

CHECKPOINTS = (1_000, 10_000)
LIMIT_MB = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=REPO.parent / "shared/data/videos/highway_udacity_solidWhiteRight.mp4")
    parser.add_argument("--model", default="yolo11n_int8_openvino_model",
                        help="detector model (default: the INT8 OpenVINO export, for speed)")
    parser.add_argument("--frames", type=int, default=max(CHECKPOINTS))
    args = parser.parse_args()
    process = psutil.Process()
    rss_mb: dict[int, float] = {}

    written = 0

    def on_packet(packet: Packet) -> None:
        nonlocal written
        written += 1
        if written in CHECKPOINTS or written % 2_000 == 0:
            rss_mb[written] = process.memory_info().rss / 2**20
            print(f"  {written:>6} frames: RSS {rss_mb[written]:.1f} MB", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"looping {args.clip.name} to {args.frames} frames...", flush=True)
        clip, frames = looped_clip(args.clip, args.frames, folder)
        config = load(REPO / "configs" / "dashcam.yaml", source=str(clip), overrides=[
            f"detector.model={args.model}", f"sinks.0.path={folder / 'out.mp4'}",
            f"sinks.1.path={folder / 'out.jsonl'}"])
        started = time.perf_counter()
        result = build(config).run(on_packet=on_packet)
        print(f"{result.frames} frames in {time.perf_counter() - started:.0f} s ({result.fps:.1f} fps), "
              f"{len(result.track_ids)} tracks")
    first, last = CHECKPOINTS
    if first in rss_mb and last in rss_mb:
        growth = rss_mb[last] - rss_mb[first]
        verdict = "met" if growth < LIMIT_MB else "NOT met"
        print(f"RSS after {first:,} frames: {rss_mb[first]:.1f} MB; after {last:,}: {rss_mb[last]:.1f} MB; "
              f"growth {growth:+.1f} MB (goal < {LIMIT_MB:.0f} MB: {verdict})")


if __name__ == "__main__":
    main()
