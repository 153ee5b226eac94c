"""Completion records: what makes a rerun skip an input. Each finished input leaves
`completed.json` in its output folder, written after its outputs are in place and renamed into
place itself, so a record never exists for half an input and never half-exists."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from detect.batch.inputs import BatchInput

RECORD_NAME = "completed.json"
PER_INPUT_KEYS = {"source": ("path", "start", "end"), "detector": ("threads",)}
"""Config values that change per input or per machine, not the result: left out of the hash."""


def config_hash(data: dict[str, Any]) -> str:
    """A digest of the config as run (after --set), without what each input sets itself and
    without sink folders (outputs go to the input's folder); the model file's size and time are
    in it too, so a replaced model redoes the batch."""
    data = copy.deepcopy(data)
    for section, keys in PER_INPUT_KEYS.items():
        if isinstance(data.get(section), dict):
            for key in keys:
                data[section].pop(key, None)
    for sink in data.get("sinks") or []:
        if isinstance(sink, dict) and "path" in sink:
            sink["path"] = Path(str(sink["path"])).name  # only the file name reaches the outputs
    model = _model_identity(data.get("detector"))
    text = json.dumps({"config": data, "model": model}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _model_identity(detector: Any) -> list[int] | None:
    if not isinstance(detector, dict) or "model" not in detector:
        return None
    from detect.detectors.models import resolve_model

    try:
        stat = Path(resolve_model(str(detector["model"]))).stat()
    except Exception:  # a model that cannot be found fails the run with its own message
        return None
    return [stat.st_size, stat.st_mtime_ns]


def fingerprint(item: BatchInput) -> dict[str, Any] | None:
    """Size and modification time of the input (a changed file is redone), and the segment;
    None when the file cannot be read (never skipped)."""
    try:
        stat = os.stat(item.path)
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "start": item.start, "end": item.end}


def record_path(out: Path, item: BatchInput) -> Path:
    return out / item.name / RECORD_NAME


def read_record(out: Path, item: BatchInput) -> dict[str, Any] | None:
    """The input's record, or None (none yet, or unreadable: then the input is simply redone)."""
    try:
        record = json.loads(record_path(out, item).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_current(record: dict[str, Any] | None, item: BatchInput, digest: str) -> bool:
    """Done before with this config, and the input has not changed since."""
    if record is None:
        return False
    now = fingerprint(item)
    return now is not None and record.get("config_hash") == digest and record.get("input") == now


def write_record(out: Path, item: BatchInput, digest: str, row: dict[str, Any], batch_id: str) -> None:
    """Written to a temporary name, flushed, then renamed: a kill leaves the old state or the new."""
    target = record_path(out, item)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{RECORD_NAME}.{os.getpid()}.partial")
    record = {"config_hash": digest, "input": fingerprint(item), "batch_id": batch_id, "row": row}
    with staged.open("w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staged, target)
