"""`zones`: draw the zones, the ego lane and the counting lines, with their counts.

The annotator has no geometry of its own: it draws what the analytics stages announce
in their events (`zone_config`, `line_config`) and the counts they report
(`zone_occupancy`, `line_crossing`), so the picture can never disagree with the log.
It remembers the latest of each, per instance, because announcements and counts come
only when they change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np
from pydantic import Field

from detect.annotators.colors import PALETTE
from detect.annotators.layout import CanvasLayout, Rect, near_point
from detect.annotators.text import TextStyle
from detect.columns import (
    COUNTS,
    EGO_LANE,
    END,
    KIND,
    LINE,
    LINE_CONFIG,
    LINE_CROSSING,
    POLYGON,
    START,
    TOTAL_IN,
    TOTAL_OUT,
    ZONE,
    ZONE_CONFIG,
    ZONE_KIND,
    ZONE_OCCUPANCY,
)
from detect.contract import Annotator
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Event, Packet

Color = tuple[int, int, int]
EGO_LANE_COLOR: Color = (120, 220, 120)
ARROW_PX = 28
CAPTION_STEPS = 3
"""Text heights a caption may move from its anchor to keep clear of the boxes."""


@dataclass(frozen=True)
class _Zone:
    polygon: np.ndarray
    kind: str
    color: Color


@dataclass(frozen=True)
class _Line:
    start: tuple[int, int]
    end: tuple[int, int]
    color: Color


@annotators.register("zones")
class ZonesAnnotator(Annotator):
    """Zones and lines announced by the analytics stages, with occupancy and crossing counts."""

    class Params(StageParams):
        fill_alpha: float = Field(0.2, ge=0, le=1, description="zone fill opacity (0 = outline only)")
        thickness: int = Field(2, ge=1, le=20, description="outline and line width in pixels")
        scale: float = Field(0.5, gt=0, le=5, description="font scale")
        ego_lane: bool = Field(True, description="draw the collision stage's ego lane")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.zones: dict[str, _Zone] = {}
        self.occupancy: dict[str, dict[str, int]] = {}
        self.lines: dict[str, _Line] = {}
        self.crossings: dict[str, tuple[int, int]] = {}

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        for event in packet.events:
            self._learn(event)
        zones = [(n, z) for n, z in self.zones.items() if z.kind != EGO_LANE or self.params.ego_lane]
        if self.params.fill_alpha > 0 and zones:
            overlay = canvas.copy()
            for _, zone in zones:
                cv2.fillPoly(overlay, [zone.polygon], zone.color)
            cv2.addWeighted(overlay, self.params.fill_alpha, canvas, 1 - self.params.fill_alpha, 0, dst=canvas)
        for _, zone in zones:
            cv2.polylines(canvas, [zone.polygon], True, zone.color, self.params.thickness, cv2.LINE_AA)
        for line in self.lines.values():
            self._draw_line(canvas, line)
        captions = Captions(canvas, packet, self.params.scale)
        for name, zone in zones:
            captions.add(self._zone_label(name, zone), _caption_anchor(zone), zone.color)
        for name, line in self.lines.items():
            n_in, n_out = self.crossings.get(name, (0, 0))
            anchor = min(line.start, line.end, key=lambda p: p[1])
            captions.add(f"{name}: in {n_in} | out {n_out}", anchor, line.color)
        return canvas

    def _learn(self, event: Event) -> None:
        fields = event.payload
        if event.kind == ZONE_CONFIG:
            kind = str(fields.get(KIND, ZONE_KIND))
            color = EGO_LANE_COLOR if kind == EGO_LANE else _color(len(self.zones))
            polygon = np.round(np.asarray(fields[POLYGON], np.float64)).astype(np.int32)
            self.zones[fields[ZONE]] = _Zone(polygon, kind, color)
        elif event.kind == ZONE_OCCUPANCY:
            self.occupancy[fields[ZONE]] = dict(fields.get(COUNTS) or {})
        elif event.kind == LINE_CONFIG:
            start = (int(round(fields[START][0])), int(round(fields[START][1])))
            end = (int(round(fields[END][0])), int(round(fields[END][1])))
            self.lines[fields[LINE]] = _Line(start, end, _color(len(self.lines) + 7))
        elif event.kind == LINE_CROSSING:
            self.crossings[fields[LINE]] = (int(fields.get(TOTAL_IN, 0)), int(fields.get(TOTAL_OUT, 0)))

    def _zone_label(self, name: str, zone: _Zone) -> str:
        if zone.kind == EGO_LANE:
            return "ego lane"
        counts = self.occupancy.get(name, {})
        detail = ", ".join(f"{cls} {n}" for cls, n in counts.items())
        return f"{name}: {sum(counts.values())}" + (f" ({detail})" if detail else "")

    def _draw_line(self, canvas: np.ndarray, line: _Line) -> None:
        """The segment and an arrow pointing the "in" way (right side to left side)."""
        cv2.line(canvas, line.start, line.end, line.color, self.params.thickness, cv2.LINE_AA)
        start, end = np.array(line.start, np.float64), np.array(line.end, np.float64)
        d = end - start
        inward = np.array([d[1], -d[0]]) / max(np.hypot(*d), 1e-9)
        mid = (start + end) / 2
        tail, head = mid - inward * ARROW_PX / 2, mid + inward * ARROW_PX / 2
        cv2.arrowedLine(
            canvas,
            tuple(int(v) for v in tail),
            tuple(int(v) for v in head),
            line.color,
            self.params.thickness,
            cv2.LINE_AA,
            tipLength=0.35,
        )


class Captions:
    """Captions on a dark backing box, each claimed in the canvas layout: near its anchor and
    clear of the boxes if it can be, else anywhere above or below it that no text holds yet."""

    def __init__(self, canvas: np.ndarray, packet: Packet, scale: float) -> None:
        self.canvas = canvas
        self.layout = CanvasLayout.of(canvas, packet)
        self.style = TextStyle.for_frame(scale, canvas.shape[0])
        self.boxes = [Rect(*(int(v) for v in box)) for box in packet.detections.xyxy.round()]

    def add(self, text: str, anchor: tuple[int, int], color: Color) -> Rect | None:
        w, h = self.style.size(text)
        frame = (self.layout.width, self.layout.height)
        rect = self.layout.place(near_point(anchor, w, h, *frame, steps=CAPTION_STEPS), "caption", self.boxes)
        if rect is None:
            rect = self.layout.place(near_point(anchor, w, h, *frame), "caption")
        if rect is not None:
            self.layout.draw(self.canvas, partial(self.style.draw_caption, rect=rect, text=text, color=color))
        return rect


def _caption_anchor(zone: _Zone) -> tuple[int, int]:
    """Zones are named at their top; the ego lane near its bottom (close to the car), where
    the distant traffic that gathers at its far end does not bury the caption."""
    polygon = zone.polygon
    if zone.kind == EGO_LANE:
        bottom = polygon[:, 1].max()
        return int(polygon[:, 0].mean()), int(bottom)
    top = polygon[np.argmin(polygon[:, 1])]
    return int(top[0]), int(top[1])


def _color(index: int) -> Color:
    return PALETTE[(index * 3) % len(PALETTE)]
