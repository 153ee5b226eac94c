"""Per-instance track ids: 1, 2, ... in the order a tracker's tracks were first confirmed, whatever library
numbered them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class TrackIds:
    """Our ids for a tracking library's ids, one numbering per tracker instance.

    Ultralytics releases differ in where the id counter lives (older ones: one class-level counter
    shared by every tracker in the process; 8.4.190: one per tracker), and every release numbers a
    track when it is born, so the tentative tracks that are never confirmed (a false positive seen
    once) use up numbers: on a busy clip the ids shown reach #110 within 150 frames. Numbering the
    confirmed tracks ourselves, when each is first shown, keeps a stream's ids independent of the
    release and of every other tracker, and makes them count the objects shown: 1, 2, 3, ...
    """

    def __init__(self) -> None:
        self._ours: dict[int, int] = {}
        self._next = 1

    def observe(self, library_ids: Iterable[int]) -> None:
        """Forget the ids no longer alive.

        Called with every track the library keeps (unconfirmed and lost ones too) after each update.
        An id that comes back after it was forgotten (an old release's shared counter reset by
        another tracker) is a new track here.
        """
        alive = {int(i) for i in library_ids}
        self._ours = {i: ours for i, ours in self._ours.items() if i in alive}

    def ours(self, library_ids: Iterable[int]) -> np.ndarray:
        """Our ids for confirmed tracks; one shown for the first time gets the next number (new
        ones in a frame in the library's order of birth, its counter only grows)."""
        wanted = [int(i) for i in library_ids]
        for library_id in sorted(set(wanted) - self._ours.keys()):
            self._ours[library_id] = self._next
            self._next += 1
        return np.array([self._ours[i] for i in wanted], np.int64)

    def reset(self) -> None:
        """Start again at 1."""
        self._ours.clear()
        self._next = 1
