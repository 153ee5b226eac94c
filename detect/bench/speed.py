"""The speed numbers of one combination, from its threaded and (optional) serial pass.

Throughput, real-time factor, start-up, CPU and memory come from the threaded pass,
the way `detect run` works. Its per-stage times overlap (stages run concurrently),
so the latency breakdown comes from the serial pass, where they add up to the wall time.
"""

from __future__ import annotations

from typing import Any

from detect.bench.measured_run import Pass
from detect.bench.stage_stats import stage_summary, sum_check


def speed_report(threaded: Pass, serial: Pass | None, peak_rss_mb: float) -> dict[str, Any]:
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
        "peak_rss_mb": peak_rss_mb,
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
