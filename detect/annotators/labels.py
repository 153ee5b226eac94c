"""Text tags: track id, class name and confidence, placed so none covers another.

Boxes are labelled in order of priority (area x confidence: big, near, sure objects first).
Each tag tries above its box, below it, then inside its top and bottom (slid left to stay in
the frame), against every rectangle already claimed on the canvas (other tags, captions, the
HUD panel). When no place is free it gets shorter: the confidence goes, then the class name
(the id stays), and at last the tag is dropped, which is what happens to small far boxes in a
crowd. supervision's LabelAnnotator(smart_position=True) was not used: it pushes overlapping
tags apart for a bounded number of iterations (no guarantee, tags drift off their boxes), never
shortens or drops one, and knows nothing of the HUD or captions.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from pydantic import Field

from detect.annotators.colors import colors
from detect.annotators.layout import CanvasLayout, around_box
from detect.annotators.text import TextStyle
from detect.columns import DISTANCE_M
from detect.contract import Annotator
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Packet


def label_text(name: str, confidence: float, track_id: int | None, show_conf: bool, show_id: bool,
               distance_m: float | None = None) -> str:
    parts = []
    if show_id and track_id is not None and track_id >= 0:
        parts.append(f"#{track_id}")
    parts.append(name)
    if show_conf:
        parts.append(f"{confidence:.2f}")
    if distance_m is not None and math.isfinite(distance_m):
        parts.append(f"{distance_m:.0f} m")
    return " ".join(parts)


def shorter_texts(name: str, confidence: float, track_id: int | None, show_conf: bool, show_id: bool,
                  distance_m: float | None = None) -> list[str]:
    """The tag, longest first: the full text, without the confidence, without the distance,
    without the class name (only when an id remains to say which box it is)."""
    texts = [label_text(name, confidence, track_id, show_conf, show_id, distance_m)]
    if show_conf:
        texts.append(label_text(name, confidence, track_id, False, show_id, distance_m))
    texts.append(label_text(name, confidence, track_id, False, show_id))
    if show_id and track_id is not None and track_id >= 0:
        texts.append(f"#{track_id}")
    return list(dict.fromkeys(texts))


def priority_order(xyxy: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Indices of the boxes, most deserving of a label first (area x confidence)."""
    area = np.clip(xyxy[:, 2] - xyxy[:, 0], 0, None) * np.clip(xyxy[:, 3] - xyxy[:, 1], 0, None)
    return np.argsort(-(area * confidence), kind="stable")


@annotators.register("labels")
class LabelAnnotator(Annotator):
    """A filled tag by each box, '#id class conf', shortened or dropped rather than overlapping."""

    class Params(StageParams):
        scale: float = Field(0.5, gt=0, le=5, description="font scale (raised to a legible size on large frames)")
        confidence: bool = Field(True, description="show the confidence")
        track_id: bool = Field(True, description="show the track id")
        distance: bool = Field(False, description="show the forward range (metres) where a distance stage measured it")

    def __init__(self, params: Params) -> None:
        self.params = params

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        dets = packet.detections
        if not len(dets):
            return canvas
        layout = CanvasLayout.of(canvas, packet)
        style = TextStyle.for_frame(self.params.scale, canvas.shape[0])
        palette = colors(dets.class_id, dets.tracker_id)
        boxes = dets.xyxy.round().astype(int)
        ranges = dets.data.get(DISTANCE_M) if self.params.distance else None
        for i in priority_order(dets.xyxy, dets.confidence):
            cls = int(dets.class_id[i])
            name = packet.labels[cls] if 0 <= cls < len(packet.labels) else str(cls)
            tid = None if dets.tracker_id is None else int(dets.tracker_id[i])
            box = tuple(int(v) for v in boxes[i])
            distance_m = None if ranges is None else float(ranges[i])
            for text in shorter_texts(name, float(dets.confidence[i]), tid, self.params.confidence,
                                      self.params.track_id, distance_m):
                w, h = style.size(text)
                rect = layout.place(around_box(box, w, h, layout.width), "label")
                if rect is not None:
                    layout.draw(canvas, partial(style.draw_tag, rect=rect, text=text, fill=palette[i]))
                    break
        return canvas
