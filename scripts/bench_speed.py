"""Speed benchmark: `detect run` (configs/fast.yaml) against Ultralytics' own `yolo track`, in one run.

On the same looped clip, model and kind of output (annotated video + tracks), times
(c1) detect run with its best CPU settings and the detector on every frame (the headline: the
work `yolo track` does), (c) the same with fast.yaml's `detect_every`, (a) yolo track with the
.pt, (b) yolo track with the INT8 OpenVINO export, (d) the bare detector (decode + inference
only, fast.yaml's detector and batch) as the ceiling; prints wall-clock fps with start-up
included and excluded, the ratios c1/a, c1/b, c1/d (and c/...) and peak RSS; then the process
CPU per frame of every stage of c1, each stage run alone (detect/bench/stage_cpu.py), and its
share outside inference; then RSS of a long `detect run` after 500 and 5,000 frames.

    DETECT_MODELS_DIR=../shared/models python scripts/bench_speed.py \
        --clip ../shared/data/videos/*.mp4 ../shared/data/tracking/MOT16-11/video.mp4 --clips-dir /tmp/loops
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
CONTENDERS_SCRIPT = Path(__file__).with_name("speed_contenders.py")


def clip_name(clip: Path) -> str:
    """A sequence folder's `video.mp4` is named after its folder (MOT16-11)."""
    return clip.parent.name if clip.stem == "video" else clip.stem


def looped_clip(clip: Path, min_frames: int, folder: Path) -> tuple[Path, int]:
    """Repeat a clip until it has at least `min_frames` frames (high-quality H.264, same size and
    rate), decoding it again for every loop so a 1080p clip never sits in memory; kept in `folder`
    and reused when it is already there."""
    import av

    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        rate = stream.average_rate or Fraction(25)
        count = sum(1 for _ in src.demux(stream) if _.size)
    loops = -(-min_frames // count)
    out = folder / f"{clip_name(clip)}_x{loops}.mp4"
    if out.exists():
        with av.open(str(out)) as done:
            return out, done.streams.video[0].frames or loops * count
    partial, written = out.with_suffix(".part.mp4"), 0
    with av.open(str(partial), "w") as dst:
        enc = dst.add_stream("libx264", rate=rate)
        for _ in range(loops):
            with av.open(str(clip)) as src:
                for frame in src.decode(video=0):
                    if not written:
                        enc.width, enc.height, enc.pix_fmt = frame.width & ~1, frame.height & ~1, "yuv420p"
                        enc.options = {"crf": "18", "preset": "veryfast"}
                    image = frame.to_ndarray(format="bgr24")[: enc.height, : enc.width]
                    picture = av.VideoFrame.from_ndarray(image, format="bgr24")
                    picture.pts = written
                    dst.mux(enc.encode(picture))
                    written += 1
        dst.mux(enc.encode(None))
    partial.rename(out)
    return out, written


def run_contender(args: list[str], out: Path) -> dict:
    """Spawn one contender; wall clock and peak RSS are measured here, from outside."""
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, str(CONTENDERS_SCRIPT), *args, "--out", str(out), "--t0", str(t0)],
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


CONTENDERS = {
    "c1": ("c1 detect run, detect_every=1", lambda m, cfg: ["detect_run", "--config", cfg,
                                                             "--set", "detector.detect_every=1"]),
    "c": ("c  detect run fast.yaml", lambda m, cfg: ["detect_run", "--config", cfg]),
    "a": ("a  yolo track .pt", lambda m, cfg: ["yolo_track", "--model", str(m / "yolo11n.pt")]),
    "b": ("b  yolo track openvino int8", lambda m, cfg: ["yolo_track", "--model",
                                                         str(m / "yolo11n_int8_openvino_model")]),
    "d": ("d  bare detector", lambda m, cfg: ["bare_detector", "--config", cfg]),
}
RATIOS = (("c1", "a"), ("c1", "b"), ("c1", "d"), ("c", "a"), ("c", "b"), ("c", "d"))


def bench_clip(clip: Path, models: Path, config: str, min_frames: int, work: Path, loops_dir: Path,
               which: list[str]) -> dict[str, dict]:
    looped, frames = looped_clip(clip, min_frames, loops_dir)
    print(f"\n== {clip.name}: looped to {frames} frames ({looped.name})", flush=True)
    warm_export_cache(config, looped, work)
    results = {}
    for key in which:
        name, args = CONTENDERS[key]
        out = work / key
        out.mkdir(exist_ok=True)
        results[key] = r = run_contender([*args(models, config), "--source", str(looped)], out)
        print(f"  {name:<30} {r['frames']:>5} frames  {r['wall_s']:6.1f} s  {r['wall_fps']:6.1f} fps wall  "
              f"{r['steady_fps']:6.1f} fps steady  start-up {r['startup_s']:4.1f} s  peak RSS {r['peak_rss_mb']:5.0f} MB",
              flush=True)
    for label, key in (("wall clock, start-up included", "wall_fps"), ("steady state", "steady_fps")):
        ratios = [f"{x}/{y} {results[x][key] / results[y][key]:.2f}" for x, y in RATIOS
                  if x in results and y in results]
        print(f"  {label:<30} " + "   ".join(ratios))
    stages = stage_table(looped, config, work)
    results["stages"] = stages
    return results


def stage_table(looped: Path, config: str, work: Path) -> dict:
    """c1's stages, each alone: process CPU ms per frame, and what lies outside inference."""
    t0 = time.time()
    proc = subprocess.run([sys.executable, str(CONTENDERS_SCRIPT), "stage_cpu", "--config", config,
                           "--source", str(looped), "--out", str(work), "--t0", str(t0)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"stage_cpu failed:\n{proc.stderr[-3000:]}")
    stages = json.loads(proc.stdout.strip().splitlines()[-1])
    ms = stages["ms"]
    inference = ms.get("inference", 0.0)
    outside = sum(v for k, v in ms.items() if k != "inference")
    print(f"  process CPU per frame, each stage of c1 alone ({stages['frames']} frames): "
          + ", ".join(f"{k} {v:.2f}" for k, v in ms.items()) + " ms")
    print(f"  outside inference {outside:.2f} ms = {100 * outside / inference:.0f} % of inference ({inference:.2f} ms)")
    return stages


def summary(all_results: dict[str, dict]) -> None:
    """One markdown table over every clip: fps wall (steady) and the ratios, then the stage table."""
    keys = [k for k in CONTENDERS if any(k in r for r in all_results.values())]
    ratios = [(x, y) for x, y in RATIOS if x in keys and y in keys]
    print("\n| clip | " + " | ".join(keys) + " | " + " | ".join(f"{x}/{y}" for x, y in ratios) + " |")
    print("|---" * (1 + len(keys) + len(ratios)) + "|")
    for clip, r in all_results.items():
        cells = [f"{r[k]['wall_fps']:.1f} ({r[k]['steady_fps']:.1f})" if k in r else "" for k in keys]
        cells += [f"{r[x]['wall_fps'] / r[y]['wall_fps']:.2f} ({r[x]['steady_fps'] / r[y]['steady_fps']:.2f})"
                  for x, y in ratios]
        print(f"| {clip} | " + " | ".join(cells) + " |")
    names = list(dict.fromkeys(k for r in all_results.values() for k in r["stages"]["ms"]))
    print("\n| clip | " + " | ".join(names) + " | outside inference |")
    print("|---" * (2 + len(names)) + "|")
    for clip, r in all_results.items():
        ms = r["stages"]["ms"]
        outside = sum(v for k, v in ms.items() if k != "inference")
        print(f"| {clip} | " + " | ".join(f"{ms[k]:.2f}" if k in ms else "" for k in names)
              + f" | {outside:.2f} ({100 * outside / ms['inference']:.0f} %) |")


def bench_rss(clip: Path, config: str, frames: int, work: Path, loops_dir: Path) -> None:
    looped, total = looped_clip(clip, frames, loops_dir)
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
    parser.add_argument("--contenders", nargs="*", choices=list(CONTENDERS), default=list(CONTENDERS),
                        help="which to time (none: only the stage table)")
    parser.add_argument("--clips-dir", type=Path, help="keep the looped clips here and reuse them (default: temporary)")
    parser.add_argument("--loops-only", action="store_true", help="make the looped clips and stop")
    args = parser.parse_args()
    models = Path(os.environ.get("DETECT_MODELS_DIR", REPO.parent / "shared" / "models"))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="detect-bench-") as tmp:
        work = Path(tmp)
        loops_dir = args.clips_dir or work
        loops_dir.mkdir(parents=True, exist_ok=True)
        if args.loops_only:
            for clip in args.clip:
                print(*looped_clip(clip, args.min_frames, loops_dir))
            return
        results = {clip_name(clip): bench_clip(clip, models, args.config, args.min_frames, work, loops_dir,
                                               args.contenders) for clip in args.clip}
        summary(results)
        if args.rss_frames:
            bench_rss(args.clip[0], args.config, args.rss_frames, work, loops_dir)


if __name__ == "__main__":
    main()
