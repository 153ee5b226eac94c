"""Run every combination of a spec that has no valid stored result yet (all of them with `force`).

Combinations run one after another, never in parallel: they would compete for the
CPU and every speed number would be wrong. Results are stored one JSON per
combination under OUT/combos/<key>.json as soon as each finishes, so an interrupted
bench resumes where it stopped. A failed combination is reported with its one-line
error, stores nothing (it runs again next time) and the bench goes on.

Each combination runs in a worker process (`python -m detect.bench.worker`), one more
per detector fills the export cache first. The runner talks to a `Launcher` only through
`run` and `prepare`, so tests can swap in an in-process fake and check caching without
loading a model.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from detect.bench.combo_request import build_request, describe
from detect.bench.combos import CACHE_VERSION, Combination, expand_spec
from detect.bench.reports import read_json, write_json
from detect.bench.spec import BenchSpec
from detect.errors import DetectError

log = logging.getLogger(__name__)

COMBOS_DIR = "combos"
EXPORTED_BACKENDS = {"onnx", "openvino", "tensorrt", "auto"}
"""Backends for which a .pt is exported on first use; the export must not be timed as model loading."""
LOG_TAIL = 4000
"""Characters of a worker's log kept for finding its last line (a traceback's is the exception)."""
BUSY_PCT = 10.0
"""Background CPU above this share of the machine is called out: the speed numbers are then pessimistic."""


@dataclass
class BenchOutcome:
    """Every combination's record in spec order, and what this invocation did."""

    results: list[dict[str, Any]] = field(default_factory=list)
    ran: int = 0
    reused: int = 0
    failed: int = 0


def run_bench(spec: BenchSpec, out_dir: Path, force: bool = False, progress: bool = False,
              launcher: Launcher | None = None, spec_path: str | None = None) -> BenchOutcome:
    """Expand, reuse stored results, prepare exports, run the rest with a progress bar across combinations."""
    launcher = launcher or SubprocessLauncher()
    combos = expand_spec(spec, spec_path)
    combos_dir = out_dir / COMBOS_DIR
    outcome = BenchOutcome()
    records: dict[str, dict[str, Any]] = {}
    pending = []
    for combo in combos:
        stored = None if force else stored_result(combos_dir, combo)
        if stored is not None:
            records[combo.key] = {**stored, "cached": True}
            outcome.reused += 1
        else:
            pending.append(combo)
    requests, errors = _requests(pending, spec, combos_dir)
    with _bar(len(combos), outcome.reused, progress) as bar:
        prepare_errors = _prepare([c for c in pending if c.key in requests], requests, combos_dir, launcher,
                                  spec.measure.timeout_s, bar)
        for combo in pending:
            if bar is not None:
                bar.set_description(combo.label)
            error = errors.get(combo.key) or prepare_errors.get(_detector_id(combo))
            record = _run_one(combo, requests.get(combo.key, {}), combos_dir, launcher, spec.measure.timeout_s, error)
            records[combo.key] = record
            outcome.ran += 1
            outcome.failed += record["status"] != "ok"
            _say(bar, summary_line(record))
            if bar is not None:
                bar.update(1)
    outcome.results = [records[combo.key] for combo in combos]
    return outcome


def stored_result(combos_dir: Path, combo: Combination) -> dict[str, Any] | None:
    """The stored result of this exact combination, if complete and written by this result format."""
    stored = read_json(result_path(combos_dir, combo))
    if stored is None or stored.get("status") != "ok" or stored.get("key") != combo.key:
        return None
    return stored if stored.get("cache_version") == CACHE_VERSION else None


def result_path(combos_dir: Path, combo: Combination) -> Path:
    return combos_dir / f"{combo.key}.json"


def _requests(pending: list[Combination], spec: BenchSpec,
              combos_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Worker requests by key; a clip that cannot be prepared (no frame rate for `frames:`) fails alone."""
    requests, errors = {}, {}
    for combo in pending:
        try:
            requests[combo.key] = build_request(combo, spec, combos_dir / combo.key)
        except DetectError as exc:
            errors[combo.key] = str(exc)
    return requests, errors


def _run_one(combo: Combination, request: dict[str, Any], combos_dir: Path, launcher: Launcher,
             timeout_s: float, known_error: str | None) -> dict[str, Any]:
    path = result_path(combos_dir, combo)
    path.unlink(missing_ok=True)
    error = known_error or launcher.run(request, path, combos_dir / combo.key, timeout_s)
    record = read_json(path) if error is None else None
    if record is None:
        return {"status": "failed", "error": error or "unreadable result", **describe(combo), "cached": False}
    return {**record, "cached": False}


def _prepare(pending: list[Combination], requests: dict[str, dict[str, Any]], combos_dir: Path,
             launcher: Launcher, timeout_s: float, bar: Any) -> dict[str, str]:
    """Export once per detector before timing anything; a failed export fails that detector's combinations."""
    groups: dict[str, list[Combination]] = {}
    for combo in pending:
        if _needs_export(combo.detector):
            groups.setdefault(_detector_id(combo), []).append(combo)
    errors = {}
    for detector_id, group in groups.items():
        _say(bar, f"preparing {group[0].detector_label} (export to the cache if missing)")
        configs = [requests[combo.key]["threaded"] for combo in group]
        work_dir = combos_dir / "_prepare" / f"{group[0].detector_label.split(' ')[0].replace('/', '-')}-{detector_id}"
        error = launcher.prepare(configs, work_dir, timeout_s)
        if error is not None:
            errors[detector_id] = f"preparing the detector failed: {error}"
    return errors


def _needs_export(detector: dict[str, Any]) -> bool:
    return str(detector.get("model", "")).endswith(".pt") and detector.get("backend") in EXPORTED_BACKENDS


def _detector_id(combo: Combination) -> str:
    """The detector's identity for exporting: kept classes only filter outputs, the exported model is the same."""
    params = {k: v for k, v in combo.detector.items() if k != "classes"}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def _say(bar: Any, text: str) -> None:
    if bar is not None:
        bar.write(text)
    else:
        log.info("%s", text)


@contextlib.contextmanager
def _bar(total: int, done: int, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, initial=done, unit="combo", dynamic_ncols=True) as bar:
        yield bar


class Launcher(Protocol):
    def run(self, request: dict[str, Any], result_path: Path, work_dir: Path, timeout_s: float) -> str | None:
        """Run one combination; None when the result file was written, else a one-line error."""

    def prepare(self, configs: list[dict[str, Any]], work_dir: Path, timeout_s: float) -> str | None:
        """Open the detectors of these pipeline configs once; None when fine, else a one-line error."""


class SubprocessLauncher:
    """`python -m detect.bench.worker` with the same interpreter and environment; logs go to work_dir."""

    def run(self, request: dict[str, Any], result_path: Path, work_dir: Path, timeout_s: float) -> str | None:
        request_path = work_dir / "request.json"
        write_json(request_path, request)
        error = _launch([str(request_path), str(result_path)], work_dir / "worker.log", timeout_s)
        if error is None and not result_path.is_file():
            return "worker ended without writing a result"
        return error

    def prepare(self, configs: list[dict[str, Any]], work_dir: Path, timeout_s: float) -> str | None:
        request_path = work_dir / "prepare.json"
        write_json(request_path, {"configs": configs})
        return _launch(["--prepare", str(request_path)], work_dir / "prepare.log", timeout_s)


def _launch(args: list[str], log_path: Path, timeout_s: float) -> str | None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        try:
            code = subprocess.run([sys.executable, "-m", "detect.bench.worker", *args], stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout_s,
                                  check=False).returncode
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout_s:g} s (measure.timeout_s); log: {log_path}"
    if code == 0:
        return None
    return f"{last_line(log_path) or f'worker exited with code {code}'} (log: {log_path})"


def last_line(log_path: Path) -> str:
    """The worker's final word: its `error: ...` line, or the exception line of a traceback."""
    try:
        with log_path.open(encoding="utf-8", errors="replace") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - LOG_TAIL))
            lines = [line.strip() for line in log.read().splitlines() if line.strip()]
    except OSError:
        return ""
    text = lines[-1] if lines else ""
    return text.removeprefix("error: ")


def summary_line(record: dict[str, Any]) -> str:
    """`yolo11n/torch/640 | bytetrack | TUD: 14.2 fps (0.57x real time), HOTA 41.0, AP50 70.1`."""
    if record.get("status") != "ok":
        return f"{record.get('label', record.get('key'))}: FAILED: {record.get('error')}"
    speed = record["speed"]
    text = f"{record['label']}: {speed['fps']:.1f} fps ({speed['realtime_factor']:.2f}x real time)"
    metrics = (record.get("accuracy") or {}).get("metrics") or {}
    for name in ("HOTA", "MOTA", "AP50"):
        if metrics.get(name) is not None:
            text += f", {name} {metrics[name]:.1f}"
    background = speed.get("background_cpu_pct") or 0.0
    if background > BUSY_PCT:
        text += f" [shared CPU: other processes used {background:.0f} % of it]"
    return text
