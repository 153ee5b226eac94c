"""Score only the frames a bench run covered: crop a sequence's ground truth to that window.

A run of the first 60 frames must not be charged with misses on frames 61..900;
frames are shifted so the window's first frame is frame 0, as in the predictions.
"""

from __future__ import annotations

from dataclasses import replace

from detect.bench.annotations import BoxTable


def crop_window(table: BoxTable, first: int, count: int) -> BoxTable:
    """Rows of frames first..first+count-1, renumbered from 0; the table then spans exactly `count` frames."""
    inside = (table.frame >= first) & (table.frame < first + count)
    cropped = table.select(inside)
    names = table.frame_names[first:first + count] if table.frame_names else None
    return replace(cropped, frame=cropped.frame - first, num_frames=count, frame_names=names)
