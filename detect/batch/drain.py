"""Ctrl-C during a batch: the first one lets the inputs in progress finish (their work is not
lost) and starts no other; a second one abandons them at once. Both engines use it."""

from __future__ import annotations

import sys
from collections import deque
from typing import Any


class Drain:
    def __init__(self) -> None:
        self.requested = False

    def interrupt(self, queue: deque[Any]) -> None:
        """Called with the engine's queue of inputs not yet started (emptied here)."""
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        queue.clear()
        print("stopping: the inputs in progress finish, no other starts (Ctrl-C again to abandon them)",
              file=sys.stderr)

    def finish(self) -> None:
        """After the engine's loop: an interrupted batch ends as interrupted (exit 130)."""
        if self.requested:
            raise KeyboardInterrupt
