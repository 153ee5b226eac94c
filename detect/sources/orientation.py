"""Display rotation: phones store portrait video as landscape pictures plus a display matrix
telling players to turn them. Detection must see, and outputs must show, the picture the way
players show it, so each decoded frame is turned by that matrix's rotation."""

from __future__ import annotations

import numpy as np

SNAP_DEGREES = 1.0
"""A matrix stored in fixed point reads back a hair off a quarter turn (89 instead of 90)."""


def quarter_turns(rotation: float) -> int | None:
    """Counter-clockwise quarter turns (0-3) that show a picture upright, from PyAV's
    `VideoFrame.rotation` (the angle the display matrix turns the picture counter-clockwise; a
    phone's portrait "rotate: 90" reads -90, i.e. three turns = one clockwise); None when the
    angle is no multiple of 90 (no player-like result without resampling, so it is left alone)."""
    turns = round(rotation / 90)
    if abs(rotation - 90 * turns) > SNAP_DEGREES:
        return None
    return turns % 4


def upright(image: np.ndarray, turns: int) -> np.ndarray:
    """`image` turned counter-clockwise by `turns` quarter turns (a copy unless there is none)."""
    import cv2

    codes = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}
    return image if turns == 0 else cv2.rotate(image, codes[turns])
