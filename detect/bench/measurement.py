"""How a combination's speed is measured: a pipeline pass with its CPU time, the speed report and
per-stage statistics made from it, and the machine it ran on (numbers mean little without it).

CPU time is the process's user+system time between the end of start-up (`on_start`)
and the end of the run, so model loading does not dilute or inflate it. The machine's
busy time over the same interval tells how much CPU everything else took meanwhile:
speed measured next to other work is slower, and the report must say so.

Throughput, real-time factor, start-up, CPU and memory come from the threaded pass,
the way `detect run` works. Its per-stage times overlap (stages run concurrently),
so the latency breakdown comes from the serial pass, where they add up to the wall time.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from detect.config import parse
from detect.pipeline import RunResult, build
from detect.stats import Durations
from detect.types import Packet, SourceInfo

STAGE_ORDER = ("decode", "preprocess", "inference", "postprocess", "track", "analytics", "annotate", "encode")
"""Pipeline order; a stage not listed here (a plugin's) follows in the order it was recorded."""
SUM_TOLERANCE = 0.10
"""The issue's bar: in a serial run the stages must explain the wall time within 10 %."""
PACKAGES = ("detect", "numpy", "torch", "torchvision", "ultralytics", "openvino", "onnxruntime", "tensorrt",
            "opencv-python", "av", "trackeval", "pycocotools")
"""Versions read from package metadata: nothing heavy is imported to learn them."""


@dataclass(frozen=True)
class Pass:
    """A finished run and the extra numbers measured around it."""

    result: RunResult
    cpu_seconds: float
    stream_seconds: float
    first_pts: float | None
    machine_busy_seconds: float = 0.0
    """CPU seconds all processes used while this pass streamed (includes hypervisor steal)."""

    @property
    def background_cpu_seconds(self) -> float:
        """CPU seconds other processes used meanwhile."""
        return max(0.0, self.machine_busy_seconds - self.cpu_seconds)


def measured_run(pipeline: dict[str, Any], threaded: bool) -> Pass:
    """Build the pipeline from its config mapping and run it, timing CPU use while frames stream."""
    import psutil

    process = psutil.Process()
    marks: dict[str, float] = {}

    def on_start(info: SourceInfo) -> None:
        marks["cpu"] = _cpu_seconds(process)
        marks["busy"] = _machine_busy_seconds()
        marks["t"] = time.perf_counter()

    def on_packet(packet: Packet) -> None:
        if "pts" not in marks:
            marks["pts"] = packet.frame.pts_s

    result = build(parse(pipeline)).run(threaded=threaded, on_start=on_start, on_packet=on_packet)
    stream = time.perf_counter() - marks.get("t", time.perf_counter())
    cpu = _cpu_seconds(process) - marks.get("cpu", _cpu_seconds(process))
    busy = _machine_busy_seconds() - marks.get("busy", _machine_busy_seconds())
    return Pass(result, cpu, stream, marks.get("pts"), busy)


def _cpu_seconds(process: Any) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _machine_busy_seconds() -> float:
    """Non-idle CPU time of the whole machine, summed over cores (guest time is already inside user)."""
    import psutil

    times = psutil.cpu_times()
    return float(sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal")))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def speed_report(threaded: Pass, serial: Pass | None, peak_rss: float) -> dict[str, Any]:
    """fps, real-time factor, start-up parts, CPU, peak RSS, end-to-end latency and the stage breakdown."""
    import psutil

    result = threaded.result
    fps_in = result.info.fps if result.info else 0.0
    video_s = result.frames / fps_in if fps_in else 0.0
    stream_s = threaded.stream_seconds
    cores = threaded.cpu_seconds / stream_s if stream_s > 0 else 0.0
    logical = psutil.cpu_count() or 1
    report: dict[str, Any] = {
        "fps": result.fps,
        "realtime_factor": video_s / result.seconds if result.seconds > 0 else 0.0,
        "wall_s": result.seconds,
        "startup_s": result.startup_seconds,
        "load_s": result.load_seconds,
        "warmup_s": result.warmup_seconds,
        "cpu_cores_used": cores,
        "cpu_util_pct": 100.0 * cores / logical,
        "background_cpu_pct": 100.0 * threaded.background_cpu_seconds / (stream_s * logical) if stream_s > 0 else 0.0,
        "peak_rss_mb": peak_rss,
        "latency_ms": result.latency.percentiles_ms() or None,
        "threaded_stages": stage_summary(result.stage_times, result.frames),
        "stages": None,
        "serial": None,
    }
    if serial is not None:
        stages = stage_summary(serial.result.stage_times, serial.result.frames)
        report["stages"] = stages
        report["serial"] = {"frames": serial.result.frames, "fps": serial.result.fps,
                            **sum_check(stages, serial.result.seconds)}
    return report


def ordered_stages(names: Sequence[str]) -> list[str]:
    known = [name for name in STAGE_ORDER if name in names]
    return known + [name for name in names if name not in STAGE_ORDER]


def stage_summary(stage_times: Mapping[str, Durations], frames: int) -> dict[str, dict[str, float | int]]:
    """p50/p95/mean in ms over the frames a stage ran on, its total seconds, and its share per written frame.

    `per_frame_ms` (total / all frames) is what stacks up to the wall time per frame:
    detector stages skip frames when `detect_every` > 1, so their mean over the
    frames they ran on would overstate their cost per frame.
    """
    out: dict[str, dict[str, float | int]] = {}
    for name in ordered_stages(list(stage_times)):
        times = stage_times[name]
        if not times.count:
            continue
        out[name] = {
            "p50_ms": 1000.0 * times.percentile_s(50),
            "p95_ms": 1000.0 * times.percentile_s(95),
            "mean_ms": 1000.0 * times.mean_s,
            "per_frame_ms": 1000.0 * times.total_s / max(frames, 1),
            "total_s": times.total_s,
            "count": times.count,
        }
    return out


def sum_check(stages: Mapping[str, Mapping[str, Any]], wall_s: float) -> dict[str, Any]:
    """How well the stage totals explain the wall time; `ok` when within SUM_TOLERANCE."""
    total = float(sum(float(s["total_s"]) for s in stages.values()))
    ratio = total / wall_s if wall_s > 0 else float("nan")
    return {"stage_sum_s": total, "wall_s": wall_s, "sum_over_wall": ratio,
            "ok": bool(abs(ratio - 1.0) <= SUM_TOLERANCE)}


def platform_info() -> dict[str, Any]:
    """CPU model, core counts, memory, OS, Python and backend versions."""
    import psutil

    return {
        "cpu": cpu_model(),
        "physical_cores": psutil.cpu_count(logical=False),
        "logical_cores": psutil.cpu_count(logical=True),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in PACKAGES},
    }


def cpu_model() -> str:
    """`model name` from /proc/cpuinfo on Linux; platform.processor() elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
