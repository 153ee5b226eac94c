"""Deliver messages over the network without ever making the pipeline wait.

A sink that talks to a broker or a web server puts each message on a bounded queue and returns
at once; one daemon thread per sink takes messages in order and delivers them, retrying a
failed delivery with exponential backoff (the message stays first in line). When the queue is
full the oldest waiting message is dropped and counted: a broker that is away for an hour costs a
bounded amount of memory and the run goes on at full speed. At close the thread gets
`drain_s` seconds to deliver what is queued; whatever is left is counted as dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from detect.redaction import redact_text

log = logging.getLogger(__name__)
M = TypeVar("M")


@dataclass
class SendCounts:
    """What happened to the messages, for the log line at close and for tests."""

    sent: int = 0
    dropped: int = 0
    retries: int = 0


class BackgroundSender(Generic[M]):
    """`put` never blocks; `deliver(message)` runs in the sender thread and raises to ask for a retry."""

    def __init__(self, name: str, deliver: Callable[[M], None], max_queue: int = 1000,
                 backoff_s: tuple[float, float] = (0.2, 10.0), drain_s: float = 5.0) -> None:
        self.name = name
        self.deliver = deliver
        self.max_queue = max_queue
        self.backoff_s = backoff_s
        self.drain_s = drain_s
        self.counts = SendCounts()
        self.last_error = ""
        self._queue: deque[M] = deque()
        self._inflight: M | None = None
        """The message being delivered: never dropped for a newer one, so it is counted once."""
        self._abandoned = False
        self._lock = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"send-{self.name}", daemon=True)
        self._thread.start()

    def put(self, message: M) -> None:
        with self._lock:
            if len(self._queue) >= self.max_queue:
                self._queue.popleft()
                self.counts.dropped += 1
            self._queue.append(message)
            self._lock.notify()

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def close(self) -> SendCounts:
        """Stop taking messages, give the thread `drain_s` to deliver the rest, count what is left."""
        with self._lock:
            self._closing = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(self.drain_s)
        with self._lock:
            self.counts.dropped += len(self._queue) + (self._inflight is not None)
            self._queue.clear()
            self._inflight = None
            self._abandoned = True
        if self.counts.dropped:
            log.warning("%s: %d message(s) sent, %d dropped (queue full or not delivered by close; last error: %s)",
                        self.name, self.counts.sent, self.counts.dropped, self.last_error or "none")
        else:
            log.info("%s: %d message(s) sent", self.name, self.counts.sent)
        return self.counts

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closing:
                    self._lock.wait()
                if not self._queue:
                    return
                self._inflight = self._queue.popleft()
            self._deliver_with_retries(self._inflight)
            with self._lock:
                if self._abandoned:
                    return
                self._inflight = None
                self.counts.sent += 1

    def _deliver_with_retries(self, message: M) -> None:
        """Deliver one message, retrying with exponential backoff until it goes through (the
        thread is a daemon: at close, `close` counts a message still being retried as dropped)."""
        delay = self.backoff_s[0]
        while True:
            try:
                self.deliver(message)
                return
            except Exception as exc:  # a network failure of any kind: retried, never raised into the run
                self.last_error = redact_text(f"{type(exc).__name__}: {exc}")[:300]
                self.counts.retries += 1
                log.debug("%s: delivery failed (%s), retrying in %.1f s", self.name, self.last_error, delay)
            if self._abandoned:
                return
            time.sleep(delay)
            delay = min(delay * 2, self.backoff_s[1])
