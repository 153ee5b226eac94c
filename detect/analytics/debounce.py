"""A value that changes only after the new value has held for a few frames.

Warnings and the lead vehicle are read by people and logged as events: one noisy
frame must not flash the HUD red or write a burst of events.
"""

from __future__ import annotations

from typing import Generic, TypeVar

V = TypeVar("V")


class Debounced(Generic[V]):
    """Holds `value`; `update(x)` adopts x once it has been seen `frames` times in a row."""

    def __init__(self, initial: V, frames: int) -> None:
        self.value = initial
        self.frames = max(1, frames)
        self._candidate = initial
        self._count = 0

    def update(self, observed: V) -> bool:
        """Feed this frame's observation; True when `value` changed."""
        if observed == self.value:
            self._candidate, self._count = observed, 0
            return False
        if observed == self._candidate:
            self._count += 1
        else:
            self._candidate, self._count = observed, 1
        if self._count >= self.frames:
            self.value, self._count = observed, 0
            return True
        return False
