"""One sink written by several streams of a multi-stream run (a shared JSONL file).

Not a registered stage: multi_runtime.py wraps the instance built for the first stream that
writes the path and hands the wrapper to every stream writing it. Writes are serialised by a
lock (each stream's writer thread calls `write`). The first stream to start opens the file;
a stream's own `close()` only leaves it, and the run closes the file once with `finish()`
after every stream ended, so all streams' lines are in it before the rename into place. One
stream failing does not mark the file failed: the other streams' lines are complete, and
the summary names the stream that stopped.
"""

from __future__ import annotations

import threading

from detect.contract import Sink
from detect.types import Packet, SourceInfo


class SharedSink(Sink):
    def __init__(self, inner: Sink) -> None:
        super().__init__(inner.params)
        self.inner = inner
        self._opened = False
        self._finished = False
        self._lock = threading.Lock()

    def open(self, info: SourceInfo) -> None:
        with self._lock:
            if not self._opened:
                self.inner.open(info)
                self._opened = True

    def write(self, packet: Packet) -> None:
        with self._lock:
            self.inner.write(packet)

    def close(self) -> None:
        """A stream is done with the file; `finish()` closes it."""

    def finish(self) -> None:
        """Close the file once every stream is done (a no-op when no stream opened it)."""
        with self._lock:
            if self._opened and not self._finished:
                self._finished = True
                self.inner.close()

    def outputs(self) -> list[str]:
        return self.inner.outputs()
