"""The only module that knows threads and queues: reader -> steps -> writer, one thread each.

Files use the `block` policy (bounded queues, nothing dropped). Live sources use `latest`:
the reader overwrites a one-slot mailbox, so the pipeline always takes the newest frame and
stale ones are counted as dropped. The first exception anywhere stops the reader; what was already read still flows through every
healthy step to the writer, then every thread ends and the first error is re-raised in the
caller. A stop request (Ctrl-C, SIGTERM, a closed display window) stops the reader too, but
frames still queued for a step are dropped rather than processed, so a stop takes at most
one batch's time whatever the queue sizes; what was fully processed is still written.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from detect.errors import SourceError

T = TypeVar("T")
END = object()
READER_JOIN_S = 2.0


@dataclass(frozen=True)
class Step:
    """A batch-capable function run in its own thread: a list of items in, a list out. A step
    that holds items back (the tracker's gap filling) returns fewer than it took, and `flush`
    returns what it still holds when its input ends."""

    name: str
    fn: Callable[[list[Any]], list[Any]]
    batch: int = 1
    flush: Callable[[], list[Any]] | None = None


class StopToken(threading.Event):
    """The run's stop request, owned by the runtime: signal handlers, a display window closed by
    the user and library callers set it; every thread of the run watches it."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = ""

    def request(self, reason: str = "stop requested") -> None:
        """A user's stop: frames still queued are dropped, the outputs close at once."""
        if not self.is_set():
            self.reason = reason
        self.set()

    @property
    def requested(self) -> bool:
        """Set by `request` (a user's stop), not by a failure, which drains what was read."""
        return self.is_set() and bool(self.reason)


@dataclass
class RunStats:
    read: int = 0
    dropped: int = 0
    """Stale live frames replaced by newer ones before processing."""
    discarded: int = 0
    """Frames read but not yet processed when a stop was requested (dropped, not processed)."""
    interrupted: bool = False


class _State:
    def __init__(self, stop: StopToken) -> None:
        self.error: BaseException | None = None
        self.stop = stop
        self._lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        self.stop.set()


class LatestSlot:
    """A one-item mailbox: a new frame replaces an unread one (counted as dropped).

    The end marker never replaces an unread frame (the last frame of a realtime file is kept),
    and `merge(old, new)` lets the replacing item inherit what must not be lost (events)."""

    def __init__(self, stats: RunStats, merge: Callable[[Any, Any], Any] | None = None) -> None:
        self._cond = threading.Condition()
        self._item: Any = None
        self._full = False
        self._ended = False
        self._stats = stats
        self._merge = merge

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self._cond:
            if item is END:
                self._ended = True
            elif not self._ended:
                if self._full:
                    self._stats.dropped += 1
                    if self._merge is not None:
                        item = self._merge(self._item, item)
                self._item, self._full = item, True
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Any:
        with self._cond:
            if not self._cond.wait_for(lambda: self._full or self._ended, timeout):
                raise queue.Empty
            if not self._full:
                return END
            item, self._item, self._full = self._item, None, False
            return item

    def get_nowait(self) -> Any:
        return self.get(timeout=0)

    def newer(self, current: Any) -> Any:
        """The item that came after `current`, now taken (`current` counts as dropped and is
        merged into it), or None; never blocks and never takes the end marker. A scheduler that
        batches several streams calls it when it builds the batch (multi_runtime.py)."""
        with self._cond:
            if not self._full:
                return None
            item, self._item, self._full = self._item, None, False
            self._stats.dropped += 1
            return self._merge(current, item) if self._merge is not None else item


def run_pipeline(
    frames: Iterable[Any],
    steps: Sequence[Step],
    write: Callable[[Any], None],
    queue_size: int = 8,
    policy: str = "block",
    stop: StopToken | None = None,
    stats: RunStats | None = None,
    merge: Callable[[Any, Any], Any] | None = None,
    interrupt: Callable[[], None] | None = None,
    mailbox: LatestSlot | None = None,
) -> RunStats:
    """Run reader, each step and the writer concurrently; return counts, raise the first error.

    `stats` may be passed in so stages can read the live drop count while the run goes on;
    `merge` combines a dropped live item into its replacement; `interrupt` wakes a source that
    waits for a camera (it must only set a flag: it may run in a signal handler's aftermath);
    `mailbox` is the `latest` policy's slot when the caller reads it too (LatestSlot.newer)."""
    state = _State(stop or StopToken())
    stats = stats if stats is not None else RunStats()
    first: Any = queue.Queue(maxsize=queue_size)
    if policy == "latest":
        first = mailbox if mailbox is not None else LatestSlot(stats, merge)
    queues = [first] + [queue.Queue(maxsize=queue_size) for _ in steps]

    def reader() -> None:
        try:
            for item in frames:
                if state.stop.is_set():
                    break
                first.put(item)
                stats.read += 1
        except BaseException as exc:
            state.fail(exc)
        finally:
            first.put(END)

    def worker(step: Step, q_in: Any, q_out: queue.Queue) -> None:
        failed = False
        while True:
            items, ended = _take(q_in, step.batch)
            if items and state.stop.requested:
                stats.discarded += len(items)
            elif items and not failed:
                try:
                    for out in step.fn(items):
                        q_out.put(out)
                except BaseException as exc:
                    failed = True
                    state.fail(exc)
            if ended:
                if step.flush is not None and not failed:
                    try:
                        for out in step.flush():
                            q_out.put(out)
                    except BaseException as exc:
                        state.fail(exc)
                q_out.put(END)
                return

    def writer(q_in: queue.Queue) -> None:
        failed = False
        while True:
            item = q_in.get()
            if item is END:
                return
            if failed:
                continue
            try:
                write(item)
            except BaseException as exc:
                failed = True
                state.fail(exc)

    reader_thread = threading.Thread(target=reader, name="detect-reader", daemon=True)
    others = [threading.Thread(target=worker, args=(s, queues[i], queues[i + 1]), name=f"detect-{s.name}", daemon=True)
              for i, s in enumerate(steps)]
    others.append(threading.Thread(target=writer, args=(queues[-1],), name="detect-writer", daemon=True))
    reader_thread.start()
    for t in others:
        t.start()
    try:
        _wait(others, state.stop)
    except KeyboardInterrupt:
        stats.interrupted = True
        state.stop.request("interrupted")
    try:
        if state.stop.is_set():
            stats.interrupted = state.error is None
            if interrupt is not None:
                interrupt()
            _unblock_reader(reader_thread, first)
        _wait(others)
    finally:
        state.stop.set()
        reader_thread.join(timeout=0 if stats.interrupted else READER_JOIN_S)
    if state.error is not None:
        raise state.error
    return stats


def iterate_pipeline(frames: Iterable[Any], steps: Sequence[Step], queue_size: int = 8, policy: str = "block",
                     stop: StopToken | None = None, stats: RunStats | None = None,
                     merge: Callable[[Any, Any], Any] | None = None,
                     interrupt: Callable[[], None] | None = None,
                     mailbox: LatestSlot | None = None) -> Iterator[Any]:
    """`run_pipeline` as a generator: the caller's loop takes each finished item.

    The run goes on in a `detect-run` thread and hands items over through a bounded queue, so
    a slow consumer slows the run instead of queueing without limit. Leaving the loop early
    (break, an exception, Ctrl-C) requests a stop; the run's first error is raised in the loop."""
    stop = stop or StopToken()
    handoff: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            run_pipeline(frames, steps, handoff.put, queue_size, policy, stop, stats, merge, interrupt, mailbox)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the consumer below)
            failure.append(exc)
        finally:
            handoff.put(END)

    thread = threading.Thread(target=run, name="detect-run", daemon=True)
    thread.start()
    finished = False
    try:
        while (item := handoff.get()) is not END:
            yield item
        finished = True
    finally:
        if not finished:
            stop.request("the caller stopped reading")
            if interrupt is not None:
                interrupt()
            while handoff.get() is not END:
                pass
        thread.join()
    if failure:
        raise failure[0]


def _take(q_in: Any, batch: int) -> tuple[list[Any], bool]:
    """Block for one item, then take what is already queued, up to `batch`."""
    item = q_in.get()
    if item is END:
        return [], True
    items = [item]
    while len(items) < batch:
        try:
            item = q_in.get_nowait()
        except queue.Empty:
            break
        if item is END:
            return items, True
        items.append(item)
    return items, False


def _wait(threads: list[threading.Thread], stop: threading.Event | None = None) -> None:
    """Join with a timeout so Ctrl-C reaches the main thread promptly; return early on `stop`."""
    for t in threads:
        while t.is_alive():
            if stop is not None and stop.is_set():
                return
            t.join(timeout=0.1)


def _unblock_reader(reader_thread: threading.Thread, first: Any) -> None:
    """A reader stuck in a blocking read (a stalled stream) must not hold the shutdown."""
    deadline = time.monotonic() + READER_JOIN_S / 2
    while reader_thread.is_alive() and time.monotonic() < deadline:
        reader_thread.join(timeout=0.05)
    if reader_thread.is_alive():
        if isinstance(first, LatestSlot):
            first.put(END)
        else:
            _force_end(first)


def _force_end(q: queue.Queue) -> None:
    while True:
        try:
            q.put_nowait(END)
            return
        except queue.Full:
            try:
                q.get_nowait()
            except queue.Empty:
                pass


def start_thread(target: Callable[[], None], name: str) -> threading.Thread:
    """A daemon thread of a multi-stream run (multi_runtime.py: one per stream, the scheduler)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def wait_threads(threads: list[threading.Thread]) -> None:
    """Join with a timeout, so signals reach the main thread while the threads run."""
    _wait(threads)


def call_with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run a call that may hang (a camera driver's open) in a daemon thread; give up after
    `timeout` s with a SourceError (the stuck thread is abandoned)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller below, never lost)
            box["error"] = exc

    thread = threading.Thread(target=run, name="detect-blocking-call", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise SourceError(f"{what} did not answer within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_sync(frames: Iterable[Any], steps: Sequence[Step], write: Callable[[Any], None],
             stop: StopToken | None = None) -> RunStats:
    """The same steps with no threads, one item at a time (tests compare both)."""
    stats = RunStats()
    for item in frames:
        if stop is not None and stop.is_set():
            stats.interrupted = True
            break
        stats.read += 1
        for out in _through(steps, [item]):
            write(out)
    for i, step in enumerate(steps):
        if step.flush is not None:
            for out in _through(steps[i + 1:], step.flush()):
                write(out)
    return stats


def _through(steps: Sequence[Step], items: list[Any]) -> list[Any]:
    for step in steps:
        items = step.fn(items)
    return items
