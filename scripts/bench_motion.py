"""Motion gating and recording, measured: detector calls, CPU, tracking accuracy, record vs video fps.

Scenes (built with detect.testing.static_scene, so the ground truth follows the frames):
- `PETS09 parked`: PETS09-S2L1's camera with long empty stretches (its median background with
  sensor noise) around two stretches of its real frames, 1,500 frames, 73% empty;
- the busy sequences PETS09-S2L1, TUD-Stadtmitte and MOT16-11 looped to at least 1,500 frames.
Each scene runs through the same pipeline (yolo11n, people, ByteTrack, a `mot` sink) with and
without the `motion:` block, in this one process; then `detect eval` scores both runs. Last, the
parked scene once with a `video` sink and once with a `record` sink (gated, like configs/camera.yaml).

    DETECT_MODELS_DIR=../shared/models python scripts/bench_motion.py --out runs/bench_motion
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRACKING = REPO.parent / "shared" / "data" / "tracking"
METRICS = ("HOTA", "MOTA", "IDF1")


@dataclass
class Measured:
    scene: str
    mode: str
    frames: int
    detector_calls: int
    cpu_s: float
    fps: float
    metrics: dict[str, float]


def scenes(out: Path, only: list[str] | None) -> dict[str, Path]:
    from detect.testing.static_scene import Stretch, build_scene, sequence_length

    plans = {
        "PETS09 parked": ("PETS09-S2L1", [Stretch(empty=300), Stretch(start=0, stop=150), Stretch(empty=450),
                                          Stretch(start=300, stop=450), Stretch(empty=450)]),
    }
    for name in ("PETS09-S2L1", "TUD-Stadtmitte", "MOT16-11"):
        length = sequence_length(TRACKING / name)
        loops = -(-1500 // length)
        plans[f"{name} x{loops}"] = (name, [Stretch(start=0, stop=length)] * loops)
    built = {}
    for scene, (sequence, plan) in plans.items():
        if only and not any(word in scene for word in only):
            continue
        folder = out / scene.replace(" ", "_")
        if not (folder / "seqinfo.ini").exists():
            build_scene(TRACKING / sequence, folder, plan)
        built[scene] = folder
    return built


def run(scene: Path, gated: bool, sinks: list[dict]) -> tuple[int, int, float, float]:
    """(frames, detector calls, process CPU seconds, wall fps) of one run."""
    from detect.pipeline import Pipeline

    config = {
        "source": {"type": "video", "path": str(scene / "video.mp4")},
        "detector": {"type": "ultralytics", "model": "yolo11n.pt", "classes": ["person"]},
        "tracker": {"type": "bytetrack"},
        "sinks": sinks,
    }
    if gated:
        config["motion"] = {}
    cpu = time.process_time()
    result = Pipeline.from_dict(config).run()
    return result.frames, result.detected, time.process_time() - cpu, result.fps


def score(scene: Path, pred: Path) -> dict[str, float]:
    from detect.evaluation.command import run_eval

    metrics = run_eval(str(scene), str(pred))["metrics"]
    return {name: float(metrics[name]) for name in METRICS}


def gating_table(rows: list[Measured]) -> str:
    lines = ["| scene | frames | mode | detector calls | CPU s | fps | HOTA | MOTA | IDF1 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.scene} | {r.frames} | {r.mode} | {r.detector_calls} | {r.cpu_s:.0f} | {r.fps:.1f} | "
                     + " | ".join(f"{r.metrics[m]:.1f}" for m in METRICS) + " |")
    lines.append("")
    for scene in dict.fromkeys(r.scene for r in rows):
        plain, gated = (next(r for r in rows if r.scene == scene and r.mode == mode) for mode in ("ungated", "gated"))
        lines.append(f"- {scene}: {plain.detector_calls / max(1, gated.detector_calls):.2f}x fewer detector calls, "
                     f"CPU {gated.cpu_s / plain.cpu_s:.2f}x, HOTA {gated.metrics['HOTA'] - plain.metrics['HOTA']:+.2f}, "
                     f"MOTA {gated.metrics['MOTA'] - plain.metrics['MOTA']:+.2f}, "
                     f"IDF1 {gated.metrics['IDF1'] - plain.metrics['IDF1']:+.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench_motion")
    parser.add_argument("--scenes", nargs="*", help="only scenes whose name holds one of these words")
    parser.add_argument("--skip-record", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    built = scenes(args.out, args.scenes)
    rows = []
    for scene, folder in built.items():
        for mode in ("ungated", "gated"):
            pred = args.out / f"{folder.name}.{mode}.txt"
            frames, calls, cpu_s, fps = run(folder, mode == "gated", [{"type": "mot", "path": str(pred)}])
            rows.append(Measured(scene, mode, frames, calls, cpu_s, fps, score(folder, pred)))
            print(f"{scene} {mode}: {calls}/{frames} detector calls, CPU {cpu_s:.0f} s, {fps:.1f} fps, "
                  f"HOTA {rows[-1].metrics['HOTA']:.1f}", flush=True)
    report = gating_table(rows)
    parked = next((folder for scene, folder in built.items() if "parked" in scene), None)
    if parked is not None and not args.skip_record:
        fps = {}
        for sink in ("video", "record"):
            spec = ({"type": "video", "path": str(args.out / "parked.mp4")} if sink == "video" else
                    {"type": "record", "path": str(args.out / "recordings"), "segment_s": 60})
            fps[sink] = run(parked, True, [spec])[3]
        report += (f"\n\nRecording ({parked.name}, gated): video sink {fps['video']:.1f} fps, record sink "
                   f"{fps['record']:.1f} fps ({fps['record'] / fps['video'] - 1:+.1%})")
    (args.out / "bench_motion.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
