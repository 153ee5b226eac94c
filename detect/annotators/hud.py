"""`hud`: a heads-up panel of short text lines drawn over the frame.

The panel is built from sections; each reads what it needs from the packet and says
nothing when that is absent, so one annotator serves any pipeline. `driving` shows the
lead vehicle, its distance, closing speed and time-to-collision, tints the panel and
frame border by the warning level, and marks the lead vehicle. `live` shows the frame rate,
the capture->now latency and the stale frames a live source dropped. Another section is one
function added to `SECTIONS`, or a class when it keeps state (one instance per annotator,
so two pipelines never share a frame-rate window).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from pydantic import Field, field_validator

from detect.annotators.layout import CanvasLayout, Rect
from detect.annotators.text import FONT, legible_scale
from detect.columns import DISTANCE_M, IS_LEAD, REL_SPEED_MPS, TTC_S, WARNING_LEVEL
from detect.contract import Annotator
from detect.live_stats import RollingRate, drop_ratio
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Frame, Packet

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
LEVEL_COLORS: tuple[Color, ...] = ((80, 200, 80), (0, 190, 255), (40, 40, 235))
LEVEL_WORDS = ("", "CAUTION", "DANGER")
PANEL_ALPHA = 0.85
"""How much of the frame the panel darkens: opaque enough to read over any scene."""
PAD, BAR, MARGIN = 8, 5, 10


@dataclass(frozen=True)
class HudLine:
    text: str
    color: Color = WHITE


@dataclass(frozen=True)
class HudSection:
    """What one section adds: lines of text, a warning level, and a box to highlight."""

    lines: tuple[HudLine, ...]
    level: int = 0
    highlight: tuple[int, int, int, int] | None = None


def driving_section(packet: Packet) -> HudSection | None:
    """Lead vehicle, range, closing speed, TTC and warning level from the analytics columns."""
    dets = packet.detections
    data = dets.data
    if IS_LEAD not in data and DISTANCE_M not in data:
        return None
    level = int(np.max(data[WARNING_LEVEL])) if WARNING_LEVEL in data and len(dets) else 0
    index = _lead_index(packet)
    if index is None:
        word = "No lead vehicle" if IS_LEAD in data else "No road user ranged"
        return HudSection((HudLine(word),), level)
    cls = int(dets.class_id[index])
    name = packet.labels[cls] if 0 <= cls < len(packet.labels) else str(cls)
    tid = -1 if dets.tracker_id is None else int(dets.tracker_id[index])
    title = "Lead" if IS_LEAD in data else "Nearest"
    lines = [HudLine(f"{title}: {name}" + (f" #{tid}" if tid >= 0 else ""))]
    facts = []
    distance = _value(data, DISTANCE_M, index)
    if distance is not None:
        facts.append(f"{distance:.1f} m")
    speed = _value(data, REL_SPEED_MPS, index)
    if speed is not None:
        facts.append(f"{'closing' if speed < 0 else 'opening'} {abs(speed) * 3.6:.0f} km/h")
    if facts:
        lines.append(HudLine("  ".join(facts)))
    ttc = _value(data, TTC_S, index)
    lead_level = int(data[WARNING_LEVEL][index]) if WARNING_LEVEL in data else 0
    if ttc is not None:
        lines.append(HudLine(f"{LEVEL_WORDS[lead_level]} TTC {ttc:.1f} s".strip(), LEVEL_COLORS[lead_level]))
    x1, y1, x2, y2 = (int(v) for v in dets.xyxy[index])
    return HudSection(tuple(lines), level, (x1, y1, x2, y2))


class LiveSection:
    """Frames per second through the annotator, latency from capture to now (median over the
    last 5 s), and the stale frames dropped so far; latency turns amber above `slow_ms`."""

    slow_ms = 250.0

    def __init__(self) -> None:
        self._rate = RollingRate()

    def __call__(self, packet: Packet) -> HudSection:
        self._rate.add(time.monotonic() - packet.frame.capture_time)
        latency_ms = self._rate.latency_s * 1000
        color = LEVEL_COLORS[1] if latency_ms > self.slow_ms else WHITE
        lines = [HudLine(f"{self._rate.fps:.1f} fps  latency {latency_ms:.0f} ms", color)]
        if packet.dropped:
            lines.append(HudLine(f"dropped {packet.dropped} ({drop_ratio(packet):.0%})"))
        return HudSection(tuple(lines))


Section = Callable[[Packet], HudSection | None]
SECTIONS: dict[str, Section | type[LiveSection]] = {"driving": driving_section, "live": LiveSection}


@annotators.register("hud")
class HudAnnotator(Annotator):
    """A text panel: lead vehicle, distance, TTC and warning colour; live fps, latency and drops."""

    class Params(StageParams):
        sections: tuple[str, ...] = Field(("driving",), description="Panel sections, top to bottom: driving (lead "
                                                                  "vehicle, TTC), live (fps, latency, drops)")
        corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = Field(
            "top-left", description="where the panel sits"
        )
        scale: float = Field(0.6, gt=0, le=5, description="font scale")
        border: bool = Field(True, description="colour the frame's border at caution and danger")
        mark_lead: bool = Field(True, description="underline the lead vehicle in the warning colour")

        @field_validator("sections")
        @classmethod
        def _known(cls, sections: tuple[str, ...]) -> tuple[str, ...]:
            unknown = [s for s in sections if s not in SECTIONS]
            if unknown:
                raise ValueError(f"unknown hud section {', '.join(unknown)} (available: {', '.join(SECTIONS)})")
            return sections

    overlay = True

    def __init__(self, params: Params) -> None:
        self.params = params
        self._sections: list[Section] = [_section(SECTIONS[name]) for name in params.sections]
        self._reserved: tuple[Frame, list[HudSection], Rect] | None = None
        """What `reserve` worked out for a frame: sections keep state (a rate), so each runs once."""

    def reserve(self, packet: Packet) -> None:
        """Claim the panel's rectangle before anything is drawn, so labels keep clear of it."""
        layout = packet.layout
        if layout is None:
            return
        parts = self._parts(packet)
        if parts:
            rect = self._panel_rect(_lines(parts), layout.width, layout.height)
            self._reserved = (packet.frame, parts, layout.claim(rect, "hud"))

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        h, w = canvas.shape[:2]
        reserved, self._reserved = self._reserved, None
        if reserved is not None and reserved[0] is packet.frame:
            _, parts, rect = reserved
        else:
            parts = self._parts(packet)
            rect = self._panel_rect(_lines(parts), w, h) if parts else None
            if rect is not None:
                CanvasLayout.of(canvas, packet).claim(rect, "hud")
        if not parts or rect is None:
            return canvas
        level = max(part.level for part in parts)
        if self.params.border and level > 0:
            cv2.rectangle(canvas, (0, 0), (w - 1, h - 1), LEVEL_COLORS[level], max(4, h // 80))
        if self.params.mark_lead:
            for part in parts:
                if part.highlight is not None:
                    _underline(canvas, part.highlight, LEVEL_COLORS[part.level])
        self._panel(canvas, rect, _lines(parts), LEVEL_COLORS[level])
        return canvas

    def _parts(self, packet: Packet) -> list[HudSection]:
        return [part for section in self._sections if (part := section(packet)) is not None]

    def _font(self, frame_height: int) -> tuple[float, int]:
        scale = legible_scale(self.params.scale, frame_height)
        return scale, max(1, round(scale * 2))

    def _line_height(self, frame_height: int) -> int:
        scale, thickness = self._font(frame_height)
        (_, th), base = cv2.getTextSize("Hg", FONT, scale, thickness)
        return th + base + 6

    def _panel_rect(self, lines: list[HudLine], w: int, h: int) -> Rect:
        scale, thickness = self._font(h)
        width = max(cv2.getTextSize(line.text, FONT, scale, thickness)[0][0] for line in lines)
        pw = min(w, width + 2 * PAD + BAR)
        ph = min(h, self._line_height(h) * len(lines) + PAD)
        x0 = MARGIN if "left" in self.params.corner else w - pw - MARGIN
        y0 = MARGIN if "top" in self.params.corner else h - ph - MARGIN
        x0, y0 = max(0, min(x0, w - pw)), max(0, min(y0, h - ph))
        return Rect(x0, y0, x0 + pw, y0 + ph)

    def _panel(self, canvas: np.ndarray, rect: Rect, lines: list[HudLine], accent: Color) -> None:
        """Dark, nearly opaque box with an accent bar in the warning colour."""
        scale, thickness = self._font(canvas.shape[0])
        line_h = self._line_height(canvas.shape[0])
        roi = canvas[rect.y1:rect.y2, rect.x1:rect.x2]
        roi[:] = (roi.astype(np.float32) * (1 - PANEL_ALPHA)).astype(np.uint8)
        cv2.rectangle(canvas, (rect.x1, rect.y1), (rect.x1 + BAR, rect.y2 - 1), accent, -1)
        for i, line in enumerate(lines):
            baseline = rect.y1 + PAD // 2 + line_h * (i + 1) - 6
            cv2.putText(canvas, line.text, (rect.x1 + BAR + PAD, baseline), FONT, scale, line.color, thickness,
                        cv2.LINE_AA)


def _lines(parts: list[HudSection]) -> list[HudLine]:
    return [line for part in parts for line in part.lines]


def _section(entry: Section | type) -> Section:
    """A stateful section (a class) gets its own instance per annotator."""
    return entry() if isinstance(entry, type) else entry


def _lead_index(packet: Packet) -> int | None:
    """The lead vehicle if `collision` ran, else the nearest ranged road user."""
    data = packet.detections.data
    if IS_LEAD in data:
        hits = np.flatnonzero(data[IS_LEAD])
        return int(hits[0]) if len(hits) else None
    distance = np.asarray(data[DISTANCE_M], np.float64)
    if not np.isfinite(distance).any():
        return None
    return int(np.nanargmin(distance))


def _value(data: dict[str, np.ndarray], key: str, index: int) -> float | None:
    column = data.get(key)
    if column is None:
        return None
    value = float(column[index])
    return value if math.isfinite(value) else None


def _underline(canvas: np.ndarray, box: tuple[int, int, int, int], color: Color) -> None:
    x1, _, x2, y2 = box
    h = canvas.shape[0]
    y = min(h - 3, y2)
    cv2.line(canvas, (x1, y), (x2, y), color, 4, cv2.LINE_AA)
