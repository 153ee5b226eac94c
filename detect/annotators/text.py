"""Text every annotator writes the same way: a legible size for the frame, measured boxes,
tags on a filled colour and captions on a dark backing box (readable over any background)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from detect.annotators.layout import Rect

FONT = cv2.FONT_HERSHEY_SIMPLEX
CAP_PX_AT_SCALE_1 = 22
"""Height of a capital in FONT at scale 1 (cv2.getTextSize)."""
MIN_CAP_PX = 9
MIN_CAP_FRACTION = 0.012
"""Text is never smaller than 9 px nor 1.2% of the frame height (13 px at 1080 rows)."""

Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)
WHITE: Color = (255, 255, 255)
BACKING: Color = (24, 24, 24)


def legible_scale(scale: float, frame_height: int) -> float:
    """The configured font scale, raised to the smallest legible one for this frame height."""
    least = max(MIN_CAP_PX, MIN_CAP_FRACTION * frame_height) / CAP_PX_AT_SCALE_1
    return max(scale, least)


@dataclass(frozen=True)
class TextStyle:
    scale: float
    thickness: int
    pad: int

    @classmethod
    def for_frame(cls, scale: float, frame_height: int) -> TextStyle:
        scale = legible_scale(scale, frame_height)
        return cls(scale, max(1, round(scale * 2)), max(2, round(scale * 4)))

    def size(self, text: str) -> tuple[int, int]:
        """Width and height of the padded box `text` needs."""
        (tw, th), base = cv2.getTextSize(text, FONT, self.scale, self.thickness)
        return tw + 2 * self.pad, th + base + 2 * self.pad

    def draw_tag(self, canvas: np.ndarray, rect: Rect, text: str, fill: Color) -> None:
        """Text on a box filled with `fill`, inked black or white for contrast."""
        cv2.rectangle(canvas, (rect.x1, rect.y1), (rect.x2 - 1, rect.y2 - 1), fill, -1)
        self._put(canvas, rect, text, ink_for(fill))

    def draw_caption(self, canvas: np.ndarray, rect: Rect, text: str, color: Color) -> None:
        """Text in `color` on a dark backing box edged in `color`."""
        cv2.rectangle(canvas, (rect.x1, rect.y1), (rect.x2 - 1, rect.y2 - 1), BACKING, -1)
        cv2.rectangle(canvas, (rect.x1, rect.y1), (rect.x2 - 1, rect.y2 - 1), color, 1)
        self._put(canvas, rect, text, color)

    def _put(self, canvas: np.ndarray, rect: Rect, text: str, ink: Color) -> None:
        (_, _), base = cv2.getTextSize(text, FONT, self.scale, self.thickness)
        origin = (rect.x1 + self.pad, rect.y2 - self.pad - base)
        cv2.putText(canvas, text, origin, FONT, self.scale, ink, self.thickness, cv2.LINE_AA)


def ink_for(fill: Color) -> Color:
    """Black on light fills, white on dark ones (BGR luminance)."""
    luminance = 0.114 * fill[0] + 0.587 * fill[1] + 0.299 * fill[2]
    return BLACK if luminance > 140 else WHITE
