"""The default engine: `--workers` real processes on this machine, no cluster needed.

Each worker is a spawned process holding one `BatchWorker` (one model); the parent hands it one
input at a time over a pipe and watches its process sentinel, so a worker that dies (killed,
out of memory, a crash in native code) is known at once, together with the input it held:
that input is retried on a fresh worker up to `retries` times. Workers die with the parent
(Linux parent-death signal), so a killed batch leaves no orphan finishing an input that the
rerun is processing too.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from detect.batch.drain import Drain
from detect.batch.inputs import BatchInput
from detect.batch.worker import BatchPlan, BatchWorker, failed_row
from detect.errors import ConfigError, DetectError

PR_SET_PDEATHSIG = 1
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Set to --threads for the workers (unless the user set them), as Ray does for its actors: each
worker's OpenMP/BLAS pools would otherwise take every core, and N workers oversubscribe them."""
MAX_IDLE_DEATHS = 3
"""Workers dying before taking any input (a broken install): the batch stops instead of looping."""


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    task: tuple[BatchInput, int] | None = None
    ready: bool = False


def run_local(plan: BatchPlan, items: list[BatchInput], workers: int, retries: int,
              on_result: Callable[[dict[str, Any]], None]) -> None:
    """Process `items` on `workers` processes; `on_result(row)` per input as it finishes."""
    context = multiprocessing.get_context("spawn")
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(plan.threads))
    queue: deque[tuple[BatchInput, int]] = deque((item, 1) for item in items)
    slots = [_start(context, plan) for _ in range(min(workers, len(items)))]
    idle_deaths = 0
    drain = Drain()
    try:
        while queue or any(slot.task for slot in slots):
            for slot in slots:
                if slot.ready and slot.task is None and queue:
                    slot.task = queue.popleft()
                    slot.conn.send(slot.task)
            try:
                ready = wait([s.conn for s in slots] + [s.process.sentinel for s in slots])
            except KeyboardInterrupt:
                drain.interrupt(queue)
                continue
            for index, slot in enumerate(slots):
                if slot.conn in ready and _receive(slot, on_result):
                    continue
                if slot.process.sentinel in ready or slot.conn in ready:
                    slot.process.join(5)
                    if slot.task is None:
                        idle_deaths += 1
                        if idle_deaths > MAX_IDLE_DEATHS:
                            raise DetectError(f"batch workers keep dying before taking an input "
                                              f"(exit code {slot.process.exitcode})")
                    else:
                        _charge(slot.task, _death(slot.process), retries, queue, on_result)
                    slot.conn.close()
                    slots[index] = _start(context, plan)
        drain.finish()
    finally:
        for slot in slots:
            _stop(slot)


def _receive(slot: _Slot, on_result: Callable[[dict[str, Any]], None]) -> bool:
    """Take one message; False when the pipe is closed (the worker is gone)."""
    try:
        kind, value = slot.conn.recv()
    except (EOFError, OSError):
        return False
    if kind == "fatal":
        raise ConfigError(value)
    if kind == "ready":
        slot.ready = True
    else:
        slot.task = None
        on_result(value)
    return True


def _charge(task: tuple[BatchInput, int], death: str, retries: int, queue: deque[tuple[BatchInput, int]],
            on_result: Callable[[dict[str, Any]], None]) -> None:
    """A worker died holding `task`: retry it first, or record it failed after `retries` retries."""
    item, attempt = task
    if attempt <= retries:
        queue.appendleft((item, attempt + 1))
    else:
        on_result(failed_row(item, f"{death} on each of {attempt} attempts", attempt))


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"the worker process was killed by {signal.Signals(-code).name}"
    return f"the worker process exited (code {code})"


def _start(context: Any, plan: BatchPlan) -> _Slot:
    parent, child = context.Pipe()
    process = context.Process(target=_worker_main, args=(plan, child), name="detect-batch-worker", daemon=True)
    process.start()
    child.close()
    return _Slot(process, parent)


def _stop(slot: _Slot) -> None:
    """At the end a worker is told to finish; on an interrupt it is killed (its input's outputs
    are still staging files, never under a final name)."""
    if slot.process.is_alive() and slot.task is None:
        try:
            slot.conn.send(None)
        except OSError:
            pass
        slot.process.join(10)
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join(5)
    slot.conn.close()


def _worker_main(plan: BatchPlan, conn: Connection) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        worker = BatchWorker(plan)
    except DetectError as exc:
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", None))
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            conn.send(("row", worker.process(*task)))
    finally:
        worker.close()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the batch process dies (elsewhere: best effort)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
