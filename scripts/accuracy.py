"""Tracking accuracy against `yolo track`: Ultralytics' own tracking and our configs on the same videos, one run.

For each MOTChallenge-style sequence folder (`video.mp4` + ground truth), runs
(a) `YOLO(model).track(video, tracker="bytetrack.yaml", classes=[person])` exactly as `yolo track` does
(its own default conf), and (b) each config through `detect run` with people only and a `mot` sink;
scores every output with `detect eval` and prints HOTA, DetA, AssA, MOTA, IDF1, IDsw, wall fps and
process CPU ms per frame, plus each config's HOTA and IDF1 minus `yolo track`'s.

    DETECT_MODELS_DIR=../shared/models python scripts/accuracy.py \\
        --sequences ../shared/data/tracking/{KITTI-17,TUD-Stadtmitte,PETS09-S2L1,MOT16-11}
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
METRICS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW")
YOLO_TRACK = "yolo track"


@dataclass
class Scored:
    """One tracker run on one sequence: its metrics and what it cost."""

    sequence: str
    run: str
    metrics: dict[str, float]
    fps: float
    cpu_ms: float


def mot_line(frame: int, track: int, xyxy: list[float], conf: float) -> str:
    x1, y1, x2, y2 = xyxy
    return f"{frame},{track},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},{conf:.3f},-1,-1,-1"


def run_yolo_track(video: Path, model: str, out: Path) -> tuple[float, float]:
    """`yolo track` with its defaults (ByteTrack, conf 0.1), people only; returns (fps, CPU ms per frame)."""
    from ultralytics import YOLO

    from detect.detectors.models import resolve_model

    wall, cpu = time.perf_counter(), time.process_time()
    lines, frames = [], 0
    for result in YOLO(resolve_model(model)).track(str(video), tracker="bytetrack.yaml", classes=[0],
                                                    stream=True, verbose=False):
        frames += 1
        boxes = result.boxes
        if boxes.id is not None:
            for xyxy, track, conf in zip(boxes.xyxy.tolist(), boxes.id.tolist(), boxes.conf.tolist()):
                lines.append(mot_line(frames, int(track), xyxy, conf))
    out.write_text("\n".join(lines) + "\n")
    return frames / (time.perf_counter() - wall), 1000 * (time.process_time() - cpu) / max(frames, 1)


def run_config(config: Path, video: Path, out: Path) -> tuple[float, float]:
    """A config through the real pipeline on `video`, people only, tracks to a MOT file."""
    from detect.config import load
    from detect.pipeline import build

    overrides = ["detector.classes=[person]", f"sinks=[{{type: mot, path: {out}}}]", "annotators=[]"]
    cpu = time.process_time()
    result = build(load(config, overrides, source=str(video))).run()
    return result.fps, 1000 * (time.process_time() - cpu) / max(result.frames, 1)


def score(sequence: Path, pred: Path) -> dict[str, float]:
    from detect.evaluation.command import run_eval

    metrics = run_eval(str(sequence), str(pred))["metrics"]
    return {name: float(metrics[name]) for name in METRICS}


def table(rows: list[Scored], configs: list[str]) -> str:
    """Markdown: one row per sequence and run, then each config's mean HOTA/IDF1 gain over `yolo track`."""
    lines = ["| sequence | run | " + " | ".join(METRICS) + " | fps | CPU ms/frame | ΔHOTA | ΔIDF1 |",
             "|---" * (len(METRICS) + 6) + "|"]
    base = {r.sequence: r for r in rows if r.run == YOLO_TRACK}
    for r in rows:
        b = base[r.sequence]
        cells = [f"{r.metrics[m]:.0f}" if m == "IDSW" else f"{r.metrics[m]:.1f}" for m in METRICS]
        delta = " | " if r.run == YOLO_TRACK else (f"{r.metrics['HOTA'] - b.metrics['HOTA']:+.1f} | "
                                                     f"{r.metrics['IDF1'] - b.metrics['IDF1']:+.1f}")
        lines.append(f"| {r.sequence} | {r.run} | " + " | ".join(cells) + f" | {r.fps:.1f} | {r.cpu_ms:.0f} | {delta} |")
    for name in configs:
        mine = [r for r in rows if r.run == name]
        gains = [r.metrics["HOTA"] - base[r.sequence].metrics["HOTA"] for r in mine]
        idf1 = [r.metrics["IDF1"] - base[r.sequence].metrics["IDF1"] for r in mine]
        cost = np.mean([r.cpu_ms / base[r.sequence].cpu_ms for r in mine])
        lines.append(f"\n{name}: HOTA {np.mean(gains):+.2f} mean, {min(gains):+.1f} worst; "
                     f"IDF1 {min(idf1):+.1f} worst; CPU per frame {cost:.2f}x yolo track's")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", nargs="+", type=Path, required=True,
                        help="sequence folders, each with video.mp4 and ground truth")
    parser.add_argument("--configs", nargs="+", type=Path,
                        default=[REPO / "configs" / "dashcam.yaml", REPO / "configs" / "accurate.yaml"])
    parser.add_argument("--model", default="yolo11n.pt")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "accuracy")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for sequence in args.sequences:
        video = sequence / "video.mp4"
        pred = args.out / f"{sequence.name}.yolo_track.txt"
        fps, cpu_ms = run_yolo_track(video, args.model, pred)
        rows.append(Scored(sequence.name, YOLO_TRACK, score(sequence, pred), fps, cpu_ms))
        for config in args.configs:
            pred = args.out / f"{sequence.name}.{config.stem}.txt"
            fps, cpu_ms = run_config(config, video, pred)
            rows.append(Scored(sequence.name, config.name, score(sequence, pred), fps, cpu_ms))
        print(f"{sequence.name}: " + "; ".join(f"{r.run} HOTA {r.metrics['HOTA']:.1f}" for r in rows
                                                 if r.sequence == sequence.name), flush=True)
        report = table(rows, [c.name for c in args.configs])
        (args.out / "accuracy.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
