"""Start worker processes: one per combination, plus one per detector to fill the export cache.

The runner talks to a launcher only through `run` and `prepare`, so tests can swap in
an in-process fake and check caching without loading a model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from detect.bench.json_files import write_json

LOG_TAIL = 4000
"""Characters of a worker's log kept for finding its last line (a traceback's is the exception)."""


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
