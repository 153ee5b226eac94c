"""The batch tests' material: short real clips cut from the shared videos (one corrupt), the
config every batch runs, and `detect batch` run in process or as a child process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av

from detect.cli import main

CUTS = {
    "highway/a.mp4": ("highway_udacity_solidWhiteRight.mp4", 1.2),
    "urban/b.mp4": ("urban_kitti_raw_2011_09_26_stopgo.mp4", 2.0),
    "urban/c.mp4": ("highway_udacity_vehicle_test_video.mp4", 1.0),
}
LONG_CUT = ("urban_kitti_raw_2011_09_26_stopgo.mp4", 5.0)
WIDTH = 320

CONFIG = """
source: {type: video, path: unused.mp4}
detector: {type: ultralytics, model: yolo11n.pt, imgsz: 320, classes: [car, truck, bus, person]}
tracker: {type: bytetrack}
annotators: [{type: boxes}, {type: labels}]
sinks:
  - {type: video, path: "runs/{stem}.mp4"}
  - {type: jsonl, path: "runs/{stem}.jsonl"}
"""


def cut(source: Path, target: Path, seconds: float, width: int = WIDTH) -> int:
    """The first `seconds` of `source` at `width` pixels wide, H.264: a short real clip."""
    target.parent.mkdir(parents=True, exist_ok=True)
    frames = 0
    with av.open(str(source)) as original, av.open(str(target), "w") as out:
        stream = original.streams.video[0]
        encoder = out.add_stream("libx264", rate=stream.average_rate)
        encoder.width, encoder.height = width, round(stream.height * width / stream.width / 2) * 2
        encoder.pix_fmt = "yuv420p"
        for frame in original.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            small = frame.reformat(width=encoder.width, height=encoder.height, format="yuv420p")
            for packet in encoder.encode(small):
                out.mux(packet)
            frames += 1
        for packet in encoder.encode():
            out.mux(packet)
    return frames


def make_fleet(shared_videos: Path, root: Path) -> Path:
    """root/clips/highway/a.mp4, root/clips/urban/{b,c}.mp4 (real, short) and
    root/clips/urban/bad.mp4 (a truncated copy that cannot be opened); root/batch.yaml."""
    for name, (video, seconds) in CUTS.items():
        cut(shared_videos / video, root / "clips" / name, seconds)
    (root / "clips/urban/bad.mp4").write_bytes((root / "clips/urban/b.mp4").read_bytes()[:3000])
    (root / "batch.yaml").write_text(CONFIG)
    return root


def copy_fleet(fleet: Path, root: Path) -> Path:
    """The fleet in another folder (tests that change inputs or kill runs); times kept."""
    shutil.copytree(fleet / "clips", root / "clips", copy_function=shutil.copy2)
    shutil.copy2(fleet / "batch.yaml", root / "batch.yaml")
    return root


def batch(root: Path, out: Path, *flags: str, inputs: str | None = None) -> int:
    """`detect batch` in this process (its workers are real child processes)."""
    return main(["batch", str(root / "batch.yaml"), "--inputs", inputs or str(root / "clips"), "--out", str(out),
                 "--quiet", *flags])


def batch_process(root: Path, out: Path, *flags: str, inputs: str | None = None) -> subprocess.Popen:
    """`detect batch` as a child process, to be killed."""
    command = [sys.executable, "-m", "detect", "batch", str(root / "batch.yaml"), "--inputs",
               inputs or str(root / "clips"), "--out", str(out), "--quiet", *flags]
    return subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(out: Path) -> dict[str, dict]:
    """summary.jsonl by output folder name."""
    rows = [json.loads(line) for line in (out / "summary.jsonl").read_text().splitlines()]
    return {row["name"]: row for row in rows}


def comparable(row: dict) -> dict:
    """A row without what depends on timing or the engine (seconds, fps)."""
    return {k: v for k, v in row.items() if k not in {"seconds", "fps", "status"}}


def record(out: Path, name: str) -> dict:
    return json.loads((out / name / "completed.json").read_text())
