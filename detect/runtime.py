"""The only module that knows threads and queues: reader -> stages -> writer."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

_END = object()


class _FirstError:
    """Holds the first exception raised anywhere; later ones are secondary."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self.stop = threading.Event()

    def set(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        self.stop.set()


def _put(q: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Blocking put that gives up when the run is stopping (file sources never drop)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def run_threaded(
    frames: Iterable[Any],
    process: Callable[[Any], Any],
    write: Callable[[Any], None],
    queue_size: int = 8,
) -> None:
    """Read in one thread, `process` on the caller's thread, `write` in another; first error wins."""
    state = _FirstError()
    q_in: queue.Queue = queue.Queue(maxsize=queue_size)
    q_out: queue.Queue = queue.Queue(maxsize=queue_size)

    def reader() -> None:
        try:
            for frame in frames:
                if not _put(q_in, frame, state.stop):
                    return
            _put(q_in, _END, state.stop)
        except BaseException as exc:  # surfaced in the caller
            state.set(exc)

    def writer() -> None:
        failed = False
        while True:
            item = q_out.get()
            if item is _END:
                return
            if failed:
                continue
            try:
                write(item)
            except BaseException as exc:
                state.set(exc)
                failed = True

    reader_thread = threading.Thread(target=reader, name="detect-reader", daemon=True)
    writer_thread = threading.Thread(target=writer, name="detect-writer", daemon=True)
    reader_thread.start()
    writer_thread.start()
    try:
        while not state.stop.is_set():
            try:
                item = q_in.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _END:
                break
            packet = process(item)
            if not _put(q_out, packet, state.stop):
                break
    except BaseException as exc:
        state.set(exc)
    finally:
        state.stop.set()
        _drain(q_in)
        _finish(q_out, writer_thread)
        writer_thread.join()
        reader_thread.join(timeout=READER_JOIN_S)
    if state.error is not None:
        raise state.error


READER_JOIN_S = 2.0


def _drain(q: queue.Queue) -> None:
    """Unblock a reader waiting on a full queue; unprocessed frames are not wanted any more."""
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass


def _finish(q_out: queue.Queue, writer_thread: threading.Thread) -> None:
    """Queue the end marker behind every processed packet, so the writer drains them all."""
    while writer_thread.is_alive():
        try:
            q_out.put(_END, timeout=0.1)
            return
        except queue.Full:
            continue


def run_sync(frames: Iterable[Any], process: Callable[[Any], Any], write: Callable[[Any], None]) -> None:
    """The same stages with no threads (tests compare both)."""
    for frame in frames:
        write(process(frame))
