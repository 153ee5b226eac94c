"""What every engine runs in its worker processes: the plan of the batch and a worker that
builds the pipeline once (the model loads on its first input and stays loaded) and turns one
input into one summary row, never raising for a failing input."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detect.batch.inputs import BatchInput
from detect.batch.records import write_record
from detect.errors import DetectError, clip
from detect.types import Packet

log = logging.getLogger(__name__)

DONE, FAILED, SKIPPED, NOT_RUN = "done", "failed", "skipped", "not run"
"""Row statuses: processed now, failed (with its error line), done before (the record's
numbers), and left when the batch was interrupted."""


@dataclass(frozen=True)
class BatchPlan:
    """Everything a worker needs, picklable: sent once to each worker process or Ray actor."""

    config: dict[str, Any]
    """The config as run (after --set and the per-worker thread count)."""
    config_path: str | None
    out: str
    """Absolute: a path every worker sees (a shared mount for a cluster)."""
    config_hash: str
    batch_id: str
    threads: int

    def overrides(self, item: BatchInput) -> dict[str, Any]:
        """Sink paths moved into the input's folder (`{stem}` and `{input}` filled in), and the
        manifest's segment."""
        stem, name = Path(item.path).stem, Path(item.path).name
        folder = Path(self.out) / item.name
        values: dict[str, Any] = {}
        for index, sink in enumerate(self.config.get("sinks") or []):
            path = str(sink["path"]).replace("{stem}", stem).replace("{input}", name)
            values[f"sinks__{index}__path"] = str(folder / Path(path).name)
        if item.start is not None:
            values["source__start"] = item.start
        if item.end is not None:
            values["source__end"] = item.end
        return values


class BatchWorker:
    """One per worker process: one Pipeline, one model, many inputs."""

    def __init__(self, plan: BatchPlan) -> None:
        from detect.pipeline import Pipeline

        if plan.threads:
            import cv2

            cv2.setNumThreads(plan.threads)
        self.plan = plan
        self.pipeline = Pipeline(_parse(plan))

    def process(self, item: BatchInput, attempt: int = 1) -> dict[str, Any]:
        """Run one input to its outputs and completion record; a failure is a row, not an exception."""
        out = Path(self.plan.out)
        folder = out / item.name
        _remove_stale_staging(folder)
        tally = Tally()
        started = time.perf_counter()
        try:
            run = self.pipeline.with_input(item.path, **self.plan.overrides(item))
            result = run.run(on_packet=tally.add)
        except DetectError as exc:
            return failed_row(item, one_line(str(exc)), attempt, time.perf_counter() - started)
        except Exception as exc:  # a bug must not stop the other inputs: it is that input's error line
            log.exception("%s failed", item.path)
            return failed_row(item, one_line(f"{type(exc).__name__}: {exc}"), attempt, time.perf_counter() - started)
        seconds = time.perf_counter() - started
        warnings = [one_line(w) for w in result.warnings]
        if result.frames == 0:
            return failed_row(item, "no frame could be decoded" + (f" ({warnings[0]})" if warnings else ""),
                              attempt, seconds)
        row = base_row(item) | {
            "status": DONE, "attempts": attempt, "frames": result.frames, "seconds": round(seconds, 3),
            "fps": round(result.frames / seconds, 2) if seconds > 0 else 0.0,
            "tracks": len(result.track_ids), "tracks_by_class": tally.tracks_by_class(),
            "events_by_kind": dict(sorted(tally.events.items())),
            "outputs": [_relative(p, out) for p in result.outputs], "warnings": warnings, "error": "",
        }
        write_record(out, item, self.plan.config_hash, row, self.plan.batch_id)
        return row

    def close(self) -> None:
        self.pipeline.close()


class Tally:
    """Per input: the class of each track (its first confirmed box) and events by kind."""

    def __init__(self) -> None:
        self.track_class: dict[int, str] = {}
        self.events: Counter[str] = Counter()

    def add(self, packet: Packet) -> None:
        dets = packet.detections
        if dets.tracker_id is not None:
            for track, class_id in zip(dets.tracker_id.tolist(), dets.class_id.tolist()):
                if track >= 0 and track not in self.track_class:
                    labels = packet.labels
                    self.track_class[track] = labels[class_id] if 0 <= class_id < len(labels) else str(class_id)
        self.events.update(event.kind for event in packet.events)

    def tracks_by_class(self) -> dict[str, int]:
        return dict(sorted(Counter(self.track_class.values()).items()))


def base_row(item: BatchInput) -> dict[str, Any]:
    return {"input": item.path, "name": item.name, "start": item.start, "end": item.end}


def failed_row(item: BatchInput, error: str, attempt: int, seconds: float = 0.0) -> dict[str, Any]:
    return base_row(item) | {
        "status": FAILED, "attempts": attempt, "frames": 0, "seconds": round(seconds, 3), "fps": 0.0,
        "tracks": 0, "tracks_by_class": {}, "events_by_kind": {}, "outputs": [], "warnings": [], "error": error,
    }


def one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return clip(" | ".join(lines) if lines else "unknown error", 300)


def _relative(path: str, out: Path) -> str:
    try:
        return Path(path).resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return path


def _remove_stale_staging(folder: Path) -> None:
    """Staging files of a run that was killed (never under a final name) are left-overs."""
    if folder.is_dir():
        for stale in folder.glob(".*.partial"):
            stale.unlink(missing_ok=True)


def _parse(plan: BatchPlan) -> Any:
    from detect.config import parse

    return parse(plan.config, plan.config_path)
