"""One pass of a pipeline with what RunResult does not record: CPU time while streaming, first frame time.

CPU time is the process's user+system time between the end of start-up (`on_start`)
and the end of the run, so model loading does not dilute or inflate it. The machine's
busy time over the same interval tells how much CPU everything else took meanwhile:
speed measured next to other work is slower, and the report must say so.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass
from typing import Any

from detect.config import parse
from detect.pipeline import RunResult, build
from detect.types import Packet, SourceInfo


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
