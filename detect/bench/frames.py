"""Row indices of a `BoxTable` grouped by frame, without a Python loop over rows."""

from __future__ import annotations

import numpy as np


def rows_by_frame(frame: np.ndarray, num_frames: int) -> list[np.ndarray]:
    """For each frame 0..num_frames-1, the row indices that belong to it (in file order)."""
    order = np.argsort(frame, kind="stable")
    bounds = np.searchsorted(frame[order], np.arange(num_frames + 1))
    return [order[bounds[t]:bounds[t + 1]] for t in range(num_frames)]
