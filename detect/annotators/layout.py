"""Where text may go on one canvas: the rectangles already taken, and placement against them.

Every annotator that writes text (labels, captions, the HUD panel) claims its rectangle in the
frame's `CanvasLayout` (`packet.layout`, made by the pipeline with the canvas), so later text
goes elsewhere and nothing covers what is already written; the pipeline has the text painted
after every annotator's lines (boxes, trails, zone edges), so no line crosses it. The record is also what tests read:
the rectangles actually drawn, not a re-computation. Overlays (the HUD) claim theirs before any
annotator draws, so labels keep clear of a panel that is painted last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from detect.types import Packet

GAP = 2
"""Pixels kept between two claimed rectangles, so neighbouring tags never read as one."""


class Rect(NamedTuple):
    """Pixel rectangle, `x2`/`y2` exclusive (numpy slicing, `canvas[y1:y2, x1:x2]`)."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1

    def overlaps(self, other: Rect, gap: int = 0) -> bool:
        return (self.x1 < other.x2 + gap and other.x1 < self.x2 + gap
                and self.y1 < other.y2 + gap and other.y1 < self.y2 + gap)

    def inside(self, width: int, height: int) -> bool:
        return self.x1 >= 0 and self.y1 >= 0 and self.x2 <= width and self.y2 <= height


@dataclass(frozen=True)
class Claim:
    rect: Rect
    kind: str
    """What took it: "label", "caption" or "hud"."""


Painter = Callable[[np.ndarray], None]


@dataclass
class CanvasLayout:
    """The text rectangles claimed on one canvas, in claim order, and (when `deferred`) the
    text waiting to be painted over every annotator's lines."""

    width: int
    height: int
    deferred: bool = False
    """Set by the pipeline: `draw` keeps the painting for `paint`, after the last non-overlay
    annotator, so no box outline, trail or zone edge drawn later crosses a tag or caption."""
    claims: list[Claim] = field(default_factory=list)
    pending: list[Painter] = field(default_factory=list)

    @classmethod
    def of(cls, canvas: np.ndarray, packet: Packet) -> CanvasLayout:
        """The pipeline's layout for this canvas, or a fresh one when an annotator runs alone."""
        layout = packet.layout
        h, w = canvas.shape[:2]
        if isinstance(layout, CanvasLayout) and (layout.width, layout.height) == (w, h):
            return layout
        return cls(w, h)

    def free(self, rect: Rect, avoid: Iterable[Rect] = ()) -> bool:
        """Inside the frame, clear of every claim (by `GAP`) and of the extra `avoid` rectangles."""
        if not rect.inside(self.width, self.height):
            return False
        if any(rect.overlaps(claim.rect, GAP) for claim in self.claims):
            return False
        return not any(rect.overlaps(other) for other in avoid)

    def claim(self, rect: Rect, kind: str) -> Rect:
        self.claims.append(Claim(rect, kind))
        return rect

    def place(self, candidates: Iterable[Rect], kind: str, avoid: Iterable[Rect] = ()) -> Rect | None:
        """Claim the first free candidate; None when every one is taken or off the frame."""
        avoid = list(avoid)
        for rect in candidates:
            if self.free(rect, avoid):
                return self.claim(rect, kind)
        return None

    def draw(self, canvas: np.ndarray, painter: Painter) -> None:
        """Paint text now, or after the other annotators when the layout is deferred."""
        if self.deferred:
            self.pending.append(painter)
        else:
            painter(canvas)

    def paint(self, canvas: np.ndarray) -> None:
        """Paint the text kept back by `draw`."""
        for painter in self.pending:
            painter(canvas)
        self.pending.clear()

    def rects(self, *kinds: str) -> list[Rect]:
        return [c.rect for c in self.claims if not kinds or c.kind in kinds]


def around_box(box: tuple[int, int, int, int], width: int, height: int, frame_width: int) -> Iterator[Rect]:
    """Where a `width` x `height` tag may go for `box`, best first: above its top edge, below its
    bottom edge, inside its top, inside its bottom; each left-aligned with the box and slid left
    to stay in the frame."""
    x1, y1, x2, y2 = box
    x = min(max(0, x1), frame_width - width)
    x = max(0, x)
    yield Rect(x, y1 - height, x + width, y1)
    yield Rect(x, y2, x + width, y2 + height)
    yield Rect(x, y1, x + width, y1 + height)
    yield Rect(x, y2 - height, x + width, y2)


def near_point(point: tuple[int, int], width: int, height: int, frame_width: int, frame_height: int,
               steps: int | None = None, margin: int = 6) -> Iterator[Rect]:
    """Where a caption for `point` may go: just above it, just below it, then a text height
    further up and down each time (`steps` times, default: to the frame's edges); centred on
    the point and kept in the frame horizontally."""
    px, py = point
    x = int(np.clip(px - width // 2, 0, max(0, frame_width - width)))
    count = steps if steps is not None else frame_height // max(height, 1) + 1
    for step in range(count + 1):
        for top in (py - margin - height - step * height, py + margin + step * height):
            if 0 <= top <= frame_height - height:
                yield Rect(x, top, x + width, top + height)
