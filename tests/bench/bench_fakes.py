"""Bench results without running a model: specs on synthetic clips, records shaped by the real report code.

`fake_record` builds its speed section with `speed_report` from a hand-made RunResult,
so the fake cannot drift from what the worker writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detect.bench.combos import CACHE_VERSION
from detect.bench.measurement import Pass, speed_report
from detect.bench.reports import write_json
from detect.pipeline import RunResult
from detect.stats import Durations
from detect.types import SourceInfo


def spec_dict(clip: Path, model: Path, **extra: Any) -> dict[str, Any]:
    """Two backends x one tracker x one clip, with every path real (validation checks them)."""
    return {"detectors": [{"model": str(model), "backend": ["torch", "openvino"]}],
            "trackers": ["bytetrack"], "clips": [{"path": str(clip), "name": "synthetic"}], **extra}


def fake_weights(folder: Path) -> Path:
    """Any existing file passes model resolution; nothing loads it in these tests."""
    path = folder / "tiny.pt"
    path.write_bytes(b"not really weights")
    return path


def fake_pass(frames: int = 10, seconds: float = 0.5) -> Pass:
    per_frame = seconds / frames
    result = RunResult(frames=frames, seconds=seconds, startup_seconds=0.3, load_seconds=0.2, warmup_seconds=0.05,
                       info=SourceInfo(width=160, height=96, fps=10.0, total_frames=frames, source_id="synthetic"), backend="torch",
                       latency=Durations().extend([per_frame * 2] * frames),
                       stage_times={name: Durations().extend([per_frame * share] * frames) for name, share in
                                    {"decode": 0.1, "inference": 0.8, "track": 0.05, "encode": 0.03}.items()})
    return Pass(result, cpu_seconds=seconds * 1.5, stream_seconds=seconds, first_pts=0.0,
                machine_busy_seconds=seconds * 1.6)


def fake_record(request: dict[str, Any], fps_scale: float = 1.0, hota: float | None = 50.0) -> dict[str, Any]:
    """A successful result for a worker request, as the worker would store it."""
    threaded = fake_pass(seconds=0.5 / fps_scale)
    accuracy = None
    if hota is not None:
        accuracy = {"frames": 10, "classes": ["person"],
                    "metrics": {"HOTA": hota, "DetA": hota, "AssA": hota, "MOTA": hota - 5, "IDF1": hota + 5,
                                "IDSW": 2, "AP50": hota + 10, "AP50-95": hota - 10}}
    return {
        "cache_version": CACHE_VERSION, "status": "ok", **request["combination"],
        "run": {"frames": 10, "width": 160, "height": 96, "source_fps": 10.0, "video_seconds": 1.0,
                "backend": "torch", "tracks": 1, "warnings": [], "outputs": []},
        "speed": speed_report(threaded, fake_pass(), 300.0),
        "accuracy": accuracy,
    }


class FakeLauncher:
    """Records what would have run; writes a canned result, or fails the keys it is told to."""

    def __init__(self, fail: tuple[str, ...] = (), fail_prepare: bool = False) -> None:
        self.runs: list[str] = []
        self.prepared: list[list[dict[str, Any]]] = []
        self.fail = fail
        self.fail_prepare = fail_prepare

    def run(self, request: dict[str, Any], result_path: Path, work_dir: Path, timeout_s: float) -> str | None:
        key = request["combination"]["key"]
        self.runs.append(key)
        if any(part in key for part in self.fail):
            return "RuntimeError: the backend fell over (log: worker.log)"
        write_json(result_path, fake_record(request))
        return None

    def prepare(self, configs: list[dict[str, Any]], work_dir: Path, timeout_s: float) -> str | None:
        self.prepared.append(configs)
        return "export failed: no space left" if self.fail_prepare else None
