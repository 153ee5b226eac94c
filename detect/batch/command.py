"""`detect batch CONFIG --inputs SPEC --out DIR`: arguments, the plan, skipping what is done,
the engine, the summary and the exit code.

Exit codes: 0 every input done (now or before); 3 some input failed (see summary.csv);
2 a user error before anything ran (config, inputs, --out, no Ray); 130 interrupted (the
summary lists what was done, a rerun finishes the rest); 1 a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detect.batch.inputs import BatchInput, collect_inputs
from detect.batch.records import config_hash, is_current, read_record
from detect.batch.summary import BatchProgress, total_line, write_summary
from detect.batch.worker import DONE, FAILED, NOT_RUN, SKIPPED, BatchPlan, base_row
from detect.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, ConfigError, clip

LOCK_NAME = ".batch.lock"


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="pipeline YAML run on every input (its sinks must write files)")
    parser.add_argument("--inputs", required=True, metavar="SPEC",
                        help="a folder (recursive), a quoted glob (\"clips/**/*.mp4\"), a manifest "
                             "(.csv with a path column and optional start/end seconds, or .txt: one path a line)")
    parser.add_argument("--out", required=True, help="output root: one folder per input, summary.csv/.jsonl")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: a process pool on this machine (default); ray: Ray actors on a cluster")
    parser.add_argument("--workers", type=_positive, default=None,
                        help="worker processes (default: cores // --threads; ray: cluster CPUs // --threads)")
    parser.add_argument("--threads", type=_positive, default=1,
                        help="inference threads per worker (default 1: workers scale better than threads)")
    parser.add_argument("--retries", type=_not_negative, default=2,
                        help="retries of an input whose worker process died (default 2)")
    parser.add_argument("--address", default=None,
                        help="ray: a running cluster (auto, HOST:PORT, ray://HOST:10001); default: start a local one")
    parser.add_argument("--force", action="store_true", help="redo every input, even those already done")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value for every input, e.g. detector.conf=0.4")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def batch_main(args: argparse.Namespace) -> int:
    from detect.config import apply_overrides, parse
    from detect.config_paths import read_config

    data = apply_overrides(read_config(args.config), args.overrides)
    config = parse(data, str(args.config))
    _check_sinks(config)
    config.detector.build().check()
    if args.address and args.engine != "ray":
        raise ConfigError("--address is for --engine ray")
    items = collect_inputs(args.inputs)
    out = Path(args.out).resolve()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {clip(args.out, 200)} is not a folder")
    digest = config_hash(data)
    run_config = _with_threads(data, args.threads)
    plan = BatchPlan(run_config, str(args.config), str(out), digest, uuid.uuid4().hex[:12], args.threads)
    with _lock(out):
        return _run(plan, items, args)


def _run(plan: BatchPlan, items: list[BatchInput], args: argparse.Namespace) -> int:
    out = Path(plan.out)
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for item in items:
        record = read_record(out, item)
        if record is not None and not args.force and is_current(record, item, plan.config_hash):
            rows[item.name] = {**record["row"], "status": SKIPPED}
        else:
            todo.append(item)
    progress = BatchProgress(len(todo), enabled=not args.quiet and sys.stderr.isatty())

    def finished(row: dict[str, Any]) -> None:
        rows[row["name"]] = row
        progress.add(row)

    started = time.perf_counter()
    code = EXIT_OK
    try:
        if todo:
            _engine(plan, todo, args, finished)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    finally:
        progress.close()
        table = [rows.get(item.name) or base_row(item) | _not_run() for item in items]
        write_summary(out, table)
    seconds = time.perf_counter() - started
    for row in table:
        if row["status"] == FAILED:
            print(f"failed: {row['input']}: {row['error']}", file=sys.stderr)
    print(total_line(table, seconds, out))
    if code == EXIT_INTERRUPTED:
        print("interrupted: run the same command again to finish the rest", file=sys.stderr)
        return code
    return EXIT_OK if all(row["status"] in (DONE, SKIPPED) for row in table) else EXIT_PARTIAL


def _engine(plan: BatchPlan, todo: list[BatchInput], args: argparse.Namespace, finished: Any) -> None:
    if args.engine == "ray":
        from detect.batch.ray_engine import run_ray

        run_ray(plan, todo, args.workers, args.retries, args.address, finished)
    else:
        from detect.batch.local_engine import run_local

        workers = args.workers or max(1, (os.cpu_count() or 1) // args.threads)
        run_local(plan, todo, workers, args.retries, finished)


def _not_run() -> dict[str, Any]:
    return {"status": NOT_RUN, "attempts": 0, "frames": 0, "seconds": 0.0, "fps": 0.0, "tracks": 0,
            "tracks_by_class": {}, "events_by_kind": {}, "outputs": [], "warnings": [], "error": ""}


def _check_sinks(config: Any) -> None:
    """Every sink must write a file (a window or an HTTP server per worker makes no sense)."""
    from detect.sinks.base import FileSink

    wrong = [f"{spec.where} ({spec.type})" for spec in config.sinks if not isinstance(spec.build(), FileSink)]
    if wrong:
        raise ConfigError(f"detect batch writes files: {', '.join(wrong)} writes none; remove it or use a "
                          "video, jsonl, csv or mot sink")
    if not config.sinks:
        raise ConfigError("detect batch needs at least one sink that writes a file (video, jsonl, csv, mot)")


def _with_threads(data: dict[str, Any], threads: int) -> dict[str, Any]:
    """Each worker's inference threads (unless the config sets them): workers x threads = cores."""
    detector = dict(data.get("detector") or {})
    if not detector.get("threads"):
        detector["threads"] = threads
    return {**data, "detector": detector}


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One batch at a time per --out: a second would process the same inputs twice."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / LOCK_NAME).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"another detect batch is running on {out}") from None
        yield


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value
