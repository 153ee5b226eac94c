"""Per-frame cost of the annotators, one code tree against another, on the same busy 720p frames.

The KITTI stop-and-go clip (10-15 road users a frame) is resized to 1280x720 once; each tree
then runs the real detector, tracker and analytics of each config over it in its own process
(PYTHONPATH=tree), and replays the pipeline's annotate step over those packets: CPU ms per frame,
the fastest of 15 passes.

    python scripts/annotate_cost.py --trees /work/main /work/wt-annot
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIP = Path("/work/shared/data/videos/urban_kitti_raw_2011_09_26_stopgo.mp4")


def make_720p(clip: Path, out: Path, frames: int) -> Path:
    import av
    import cv2

    with av.open(str(clip)) as src, av.open(str(out), "w") as dst:
        stream = dst.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i, frame in enumerate(src.decode(video=0)):
            if i >= frames:
                break
            image = cv2.resize(frame.to_ndarray(format="bgr24"), (1280, 720))
            dst.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        dst.mux(stream.encode())
    return out


def measure(config: str, source: str, repeats: int = 15) -> None:
    """Detect, track and analyse every frame once, then replay the annotators alone over the
    stored packets `repeats` times. CPU time of this process, fastest pass: the least
    disturbed by whatever else the machine runs."""
    from detect import Pipeline

    pipeline = Pipeline.from_yaml(config, source=source, sinks=[])
    packets = list(pipeline.packets())
    passes = []
    for _ in range(repeats):
        t0 = time.process_time()
        for packet in packets:
            pipeline.drawing.draw(packet)
        passes.append((time.process_time() - t0) / len(packets) * 1000)
    boxes = statistics.mean(len(p.detections) for p in packets)
    print(json.dumps({"ms": min(passes), "boxes": boxes}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", nargs="+", default=[], help="repository checkouts; the first is the baseline")
    parser.add_argument("--configs", nargs="+", default=["adas", "dashcam"])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--measure", nargs=2, metavar=("CONFIG", "SOURCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        video = make_720p(CLIP, Path(tmp) / "busy720.mp4", args.frames)
        print(f"{'config':10} {'tree':24} {'boxes':>6} {'annotate ms':>12} {'ratio':>6}")
        for config in args.configs:
            base = None
            for tree in args.trees:
                env = dict(os.environ, PYTHONPATH=tree)
                cmd = [sys.executable, __file__, "--measure", f"{tree}/configs/{config}.yaml", str(video)]
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                base = base or result["ms"]
                print(f"{config:10} {tree:24} {result['boxes']:6.1f} {result['ms']:12.2f} "
                      f"{result['ms'] / base:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
