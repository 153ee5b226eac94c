"""`detect batch` against a shell loop of `detect run`, and the Ray engine against the local one,
on short real clips; then a batch stopped half-way and rerun, to show how much work a stop costs.

Clips are cut from the shared videos (each clip from one video, frames taken in order from a
different offset, back and forth where the video is shorter). Modes, each on every clip:

  (a) loop   `for f in clips/*.mp4; do detect run CONFIG --source $f ...; done`
  (b) local  `detect batch CONFIG --inputs clips --out ...` (local process pool, default workers)
  (c) ray    `detect batch ... --engine ray --address ADDR` on a local two-node cluster (1 CPU each,
             started before timing: an existing cluster)

then (b) again, stopped once half the clips are done (SIGINT: inputs in progress finish; SIGKILL:
they are lost) and rerun: the frames processed by both runs over the frames of one uninterrupted
run (target <= 1.05; frames of an input in progress at a SIGKILL are counted from its staging
JSONL, flushed every frame). Targets: b >= 1.3 x a (files/min), c within 15% of b.

    DETECT_MODELS_DIR=../shared/models python scripts/bench_batch.py [--clips 16] [--frames 150]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

REPO = Path(__file__).resolve().parents[1]
VIDEOS = ("highway_udacity_solidWhiteRight.mp4", "urban_kitti_raw_2011_09_26_stopgo.mp4",
          "highway_udacity_vehicle_test_video.mp4")
CONFIG = """
source: {{type: video, path: unused.mp4}}
detector: {{type: ultralytics, model: yolo11n.pt, imgsz: {imgsz}, classes: [car, truck, bus, motorcycle, bicycle, person]}}
tracker: {{type: bytetrack}}
annotators: [{{type: boxes}}, {{type: labels}}, {{type: trails}}]
sinks:
  - {{type: video, path: "runs/{{stem}}.mp4"}}
  - {{type: jsonl, path: "runs/{{stem}}.jsonl", flush_every: 1}}
"""


def make_clips(videos: Path, folder: Path, count: int, frames: int, width: int) -> list[Path]:
    pools = {}
    for name in VIDEOS:
        with av.open(str(videos / name)) as container:
            stream = container.streams.video[0]
            height = round(stream.height * width / stream.width / 2) * 2
            pools[name] = ([f.reformat(width=width, height=height, format="yuv420p").to_ndarray()
                            for f in container.decode(stream)], stream.average_rate)
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for index in range(count):
        name = VIDEOS[index % len(VIDEOS)]
        pool, rate = pools[name]
        order = pool + pool[-2:0:-1]
        start = (index // len(VIDEOS)) * 17
        path = folder / f"clip{index:02d}.mp4"
        with av.open(str(path), "w") as out:
            encoder = out.add_stream("libx264", rate=rate)
            encoder.height, encoder.width = pool[0].shape[0] * 2 // 3, pool[0].shape[1]
            encoder.pix_fmt = "yuv420p"
            for n in range(frames):
                image = av.VideoFrame.from_ndarray(order[(start + n) % len(order)], format="yuv420p")
                for packet in encoder.encode(image):
                    out.mux(packet)
            for packet in encoder.encode():
                out.mux(packet)
        clips.append(path)
    return clips


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-2000:]}")
    return seconds


def batch_command(config: Path, clips: Path, out: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "detect", "batch", str(config), "--inputs", str(clips), "--out", str(out),
            "--quiet", *flags]


def loop_command(config: Path, clips: Path, out: Path) -> list[str]:
    script = (f'for f in "{clips}"/*.mp4; do s=$(basename "$f" .mp4); "{sys.executable}" -m detect run "{config}" '
              f'--quiet --source "$f" --set sinks.0.path="{out}/$s/$s.mp4" --set sinks.1.path="{out}/$s/$s.jsonl" '
              '> /dev/null || exit 1; done')
    return ["bash", "-c", script]


def frames_done(out: Path) -> int:
    """Frames of every finished input (completion records) plus frames written by inputs cut off
    (their staging JSONL)."""
    done = sum(json.loads(p.read_text())["row"]["frames"] for p in out.rglob("completed.json"))
    partial = 0
    for staged in out.rglob(".*.jsonl.partial"):
        partial += sum(1 for line in staged.read_text().splitlines() if '"event"' not in line[:12])
    return done + partial


def stopped_and_rerun(config: Path, clips: Path, out: Path, count: int, stop: signal.Signals,
                      env: dict[str, str]) -> tuple[int, float]:
    """(frames processed over both runs, wall seconds over both runs)."""
    started = time.perf_counter()
    child = subprocess.Popen(batch_command(config, clips, out), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    while sum(1 for _ in out.rglob("completed.json")) < count // 2:
        if child.poll() is not None:
            sys.exit("the batch ended before it could be stopped half-way")
        time.sleep(0.05)
    child.send_signal(stop)
    child.wait()
    first = frames_done(out)
    rerun_started = time.perf_counter()
    result = subprocess.run(batch_command(config, clips, out), env=env, capture_output=True, text=True)
    wall = (rerun_started - started) + (time.perf_counter() - rerun_started)
    rows = [json.loads(line) for line in (out / "summary.jsonl").read_text().splitlines()]
    if result.returncode != 0 or any(r["status"] not in {"done", "skipped"} for r in rows):
        sys.exit(f"the rerun did not finish every input: {result.stderr[-1000:]}")
    return first + sum(r["frames"] for r in rows if r["status"] == "done"), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--frames", type=int, default=150, help="frames per clip")
    parser.add_argument("--width", type=int, default=640, help="clip width in pixels")
    parser.add_argument("--imgsz", type=int, default=320, help="detector input size")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--engines-only", action="store_true", help="only (b) and (c): no loop, no stopped runs")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed after")
    args = parser.parse_args()
    shared = Path(os.environ.get("DETECT_SHARED_DIR", REPO.parent / "shared"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               DETECT_MODELS_DIR=os.environ.get("DETECT_MODELS_DIR", str(shared / "models")), YOLO_OFFLINE="1")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        make_clips(shared / "data" / "videos", work / "clips", args.clips, args.frames, args.width)
        config = work / "batch.yaml"
        config.write_text(CONFIG.format(imgsz=args.imgsz))
        total = args.clips * args.frames
        print(f"{args.clips} clips x {args.frames} frames at {args.width} px wide, imgsz {args.imgsz}, "
              f"{os.cpu_count()} cores", flush=True)
        walls = {} if args.engines_only else {
            "(a) loop of detect run": timed(loop_command(config, work / "clips", work / "loop"), env)}
        walls["(b) detect batch (local)"] = timed(batch_command(config, work / "clips", work / "local"), env)
        if not args.skip_ray:
            from detect.testing.ray_cluster import local_cluster

            (work / "ray-tmp").mkdir()
            with local_cluster(work / "ray-tmp") as (address, client):
                walls["(c) detect batch --engine ray"] = timed(
                    batch_command(config, work / "clips", work / "ray", "--engine", "ray", "--address", address),
                    {**env, **client})
        print("\n| mode | wall s | files/min | frames/s |\n|---|---:|---:|---:|")
        for mode, wall in walls.items():
            print(f"| {mode} | {wall:.1f} | {args.clips / wall * 60:.1f} | {total / wall:.1f} |")
        local = walls["(b) detect batch (local)"]
        if "(a) loop of detect run" in walls:
            print(f"\nb/a throughput: {walls['(a) loop of detect run'] / local:.2f} (target >= 1.3)")
        if "(c) detect batch --engine ray" in walls:
            print(f"c/b throughput: {local / walls['(c) detect batch --engine ray']:.2f} (target 0.85 .. 1.15)")
        if args.engines_only:
            return
        print("\n| stopped half-way, then rerun | frames processed / one run | wall / one run |\n|---|---:|---:|")
        for stop in (signal.SIGINT, signal.SIGKILL):
            frames, wall = stopped_and_rerun(config, work / "clips", work / f"stop-{stop.name}", args.clips, stop, env)
            print(f"| {stop.name} | {frames / total:.3f} | {wall / local:.2f} |", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
