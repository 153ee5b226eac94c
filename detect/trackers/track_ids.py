"""Per-instance track ids: 1, 2, ... in the order a tracker made its tracks, whatever library numbered them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class TrackIds:
    """Our ids for a tracking library's ids, one numbering per tracker instance.

    Ultralytics releases differ in where the id counter lives (older ones: one class-level counter
    shared by every tracker in the process; 8.4.190: one per tracker). Numbering the library's ids
    ourselves, in the order they were made, keeps a stream's ids independent of the release and of
    every other tracker; with a per-tracker library counter our ids equal the library's.
    """

    def __init__(self) -> None:
        self._ours: dict[int, int] = {}
        self._next = 1

    def observe(self, library_ids: Iterable[int]) -> None:
        """Number the ids not seen before and forget those no longer alive.

        Called with every track the library keeps (unconfirmed and lost ones too) after each update,
        so each id it makes is seen; new ones are numbered in ascending order because the library's
        counter only grows. An id that comes back after it was forgotten (an old release's shared
        counter reset by another tracker) is a new track here.
        """
        alive = {int(i) for i in library_ids}
        for library_id in sorted(alive - self._ours.keys()):
            self._ours[library_id] = self._next
            self._next += 1
        self._ours = {i: ours for i, ours in self._ours.items() if i in alive}

    def ours(self, library_ids: Iterable[int]) -> np.ndarray:
        """Our ids for ids that `observe` has seen."""
        return np.array([self._ours[int(i)] for i in library_ids], np.int64)

    def reset(self) -> None:
        """Start again at 1."""
        self._ours.clear()
        self._next = 1
