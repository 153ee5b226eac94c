"""Speed benchmark: `detect run` (configs/fast.yaml) against Ultralytics' own `yolo track`, in one run.

On the same looped clip, model and kind of output (annotated video + tracks), times
(a) yolo track with the .pt, (b) yolo track with the INT8 OpenVINO export, (c) detect run with
its best CPU settings (and c1: the same with the detector on every frame), (d) the bare detector (decode + inference only) as the ceiling; prints
wall-clock fps with start-up included and excluded, the ratios c/a, c/b, c/d and peak RSS,
then RSS of a long `detect run` after 500 and 5,000 frames.

    DETECT_MODELS_DIR=../shared/models python scripts/bench_speed.py --clip ../shared/data/videos/*.mp4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTENDERS = Path(__file__).with_name("speed_contenders.py")


def looped_clip(clip: Path, min_frames: int, folder: Path) -> tuple[Path, int]:
    """Repeat a clip until it has at least `min_frames` frames (high-quality H.264, same size and rate)."""
    import av

    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        rate = stream.average_rate or Fraction(25)
        frames = [f.to_ndarray(format="bgr24") for f in src.decode(stream)]
    loops = -(-min_frames // len(frames))
    out = folder / f"{clip.stem}_x{loops}.mp4"
    h, w = frames[0].shape[:2]
    with av.open(str(out), "w") as dst:
        enc = dst.add_stream("libx264", rate=rate)
        enc.width, enc.height, enc.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        enc.options = {"crf": "18", "preset": "veryfast"}
        for _ in range(loops):
            for image in frames:
                dst.mux(enc.encode(av.VideoFrame.from_ndarray(image[: h - h % 2, : w - w % 2], format="bgr24")))
        dst.mux(enc.encode(None))
    return out, loops * len(frames)


def run_contender(args: list[str], out: Path) -> dict:
    """Spawn one contender; wall clock and peak RSS are measured here, from outside."""
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, str(CONTENDERS), *args, "--out", str(out), "--t0", str(t0)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.time() - t0
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if status != 0:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
        raise RuntimeError(f"{args[0]} failed ({how}):\n{stderr[-3000:]}\n{stdout[-1000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(wall_s=wall, wall_fps=result["frames"] / wall, peak_rss_mb=usage.ru_maxrss / 1024)
    return result


def warm_export_cache(config: str, clip: Path, work: Path) -> None:
    """Export (and INT8-calibrate) fast.yaml's model once before timing: a one-time cost, cached."""
    subprocess.run([sys.executable, "-m", "detect", "run", config, "--source", str(clip), "--quiet",
                    "--set", "source.end=0.5", "--set", f"sinks.0.path={work}/warm.mp4",
                    "--set", f"sinks.1.path={work}/warm.jsonl"], cwd=REPO, check=True, capture_output=True)


def bench_clip(clip: Path, models: Path, config: str, min_frames: int, work: Path) -> dict[str, dict]:
    looped, frames = looped_clip(clip, min_frames, work)
    print(f"\n== {clip.name}: looped to {frames} frames ({looped.name})", flush=True)
    contenders = {
        "a yolo track .pt": ["yolo_track", "--model", str(models / "yolo11n.pt")],
        "b yolo track openvino int8": ["yolo_track", "--model", str(models / "yolo11n_int8_openvino_model")],
        "c detect run fast.yaml": ["detect_run", "--config", config],
        "c1 same, detect_every=1": ["detect_run", "--config", config, "--set", "detector.detect_every=1"],
        "d bare detector": ["bare_detector", "--config", config],
    }
    warm_export_cache(config, looped, work)
    results = {}
    for name, args in contenders.items():
        out = work / name.split()[0]
        out.mkdir(exist_ok=True)
        results[name] = run_contender([*args, "--source", str(looped)], out)
        r = results[name]
        print(f"  {name:<28} {r['frames']:>5} frames  {r['wall_s']:6.1f} s  {r['wall_fps']:6.1f} fps wall  "
              f"{r['steady_fps']:6.1f} fps steady  start-up {r['startup_s']:4.1f} s  peak RSS {r['peak_rss_mb']:5.0f} MB",
              flush=True)
    a, b, c, c1, d = (results[k] for k in contenders)
    for label, key in (("wall clock, start-up included", "wall_fps"), ("steady state", "steady_fps")):
        print(f"  {label:<30} c/a {c[key] / a[key]:.2f}   c/b {c[key] / b[key]:.2f}   c/d {c[key] / d[key]:.2f}"
              f"   | c1/a {c1[key] / a[key]:.2f}   c1/b {c1[key] / b[key]:.2f}   c1/d {c1[key] / d[key]:.2f}")
    return results


def bench_rss(clip: Path, config: str, frames: int, work: Path) -> None:
    looped, total = looped_clip(clip, frames, work)
    warm_export_cache(config, looped, work)
    r = run_contender(["detect_run", "--config", config, "--source", str(looped), "--rss-at", "500", str(frames)],
                      work / "c")
    rss = {int(k): v / 2**20 for k, v in r["rss"].items()}
    print(f"\n== RSS over a {total}-frame run: {rss[500]:.0f} MB after 500 frames, "
          f"{rss[frames]:.0f} MB after {frames} (+{rss[frames] - rss[500]:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", nargs="+", type=Path, required=True, help="clips to loop and time")
    parser.add_argument("--config", default=str(REPO / "configs" / "fast.yaml"))
    parser.add_argument("--min-frames", type=int, default=1500)
    parser.add_argument("--rss-frames", type=int, default=5000, help="0 skips the RSS run")
    args = parser.parse_args()
    models = Path(os.environ.get("DETECT_MODELS_DIR", REPO.parent / "shared" / "models"))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="detect-bench-") as tmp:
        work = Path(tmp)
        for clip in args.clip:
            bench_clip(clip, models, args.config, args.min_frames, work)
        if args.rss_frames:
            bench_rss(args.clip[0], args.config, args.rss_frames, work)


if __name__ == "__main__":
    main()
