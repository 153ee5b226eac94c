"""Resize-and-pad exactly as Ultralytics does, without torch (so exported backends start fast)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class Placement:
    """How a frame sits inside the network input: scale, then offset."""

    gain: float
    left: int
    top: int

    def to_frame(self, xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
        out = xyxy.copy()
        out[:, [0, 2]] = ((out[:, [0, 2]] - self.left) / self.gain).clip(0, width)
        out[:, [1, 3]] = ((out[:, [1, 3]] - self.top) / self.gain).clip(0, height)
        return out


def rect_shape(height: int, width: int, imgsz: int, stride: int = 32) -> tuple[int, int]:
    """Network input (h, w) at the frame's aspect ratio: long side imgsz, short side a stride multiple."""
    gain = min(imgsz / height, imgsz / width)
    h = math.ceil(round(height * gain) / stride) * stride
    w = math.ceil(round(width * gain) / stride) * stride
    return h, w


NATIVE_FLOOR = 640
"""`imgsz: native` never infers below the size the model was trained at: smaller frames are enlarged to it."""


def native_long_side(height: int, width: int, cap: int, floor: int = NATIVE_FLOOR, stride: int = 32) -> int:
    """`imgsz: native`: infer at the frame's own long side rounded up to a stride multiple (no detail
    thrown away on a wide or large frame), but at least `floor` and at most `cap` (inference cost grows
    with the pixel count)."""
    return max(floor, min(cap, math.ceil(max(height, width) / stride) * stride))


def letterbox(image: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, Placement]:
    import cv2

    h0, w0 = image.shape[:2]
    gain = min(shape[0] / h0, shape[1] / w0)
    new_w, new_h = max(round(w0 * gain), 1), max(round(h0 * gain), 1)
    dw, dh = (shape[1] - new_w) / 2, (shape[0] - new_h) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    if (w0, h0) != (new_w, new_h):
        image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    if top or bottom or left or right:
        image = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3)
    return image, Placement(gain=gain, left=left, top=top)


def to_blob(images: Sequence[np.ndarray]) -> np.ndarray:
    """BGR uint8 HxWx3 list -> RGB float32 NCHW in [0, 1]."""
    batch = np.stack(images)[..., ::-1].transpose(0, 3, 1, 2)
    return np.ascontiguousarray(batch, dtype=np.float32) * np.float32(1 / 255)
