"""Text tags: class name, confidence and track id."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from detect.annotators.colors import colors
from detect.contract import Annotator
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Packet


def label_text(name: str, confidence: float, track_id: int | None, show_conf: bool, show_id: bool) -> str:
    parts = []
    if show_id and track_id is not None and track_id >= 0:
        parts.append(f"#{track_id}")
    parts.append(name)
    if show_conf:
        parts.append(f"{confidence:.2f}")
    return " ".join(parts)


@annotators.register("labels")
class LabelAnnotator(Annotator):
    """A filled tag above each box: '#id class conf'."""

    class Params(StageParams):
        scale: float = Field(0.5, gt=0, le=5, description="font scale")
        confidence: bool = Field(True, description="show the confidence")
        track_id: bool = Field(True, description="show the track id")

    def __init__(self, params: Params) -> None:
        self.params = params

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        import cv2

        dets = packet.detections
        font, scale = cv2.FONT_HERSHEY_SIMPLEX, self.params.scale
        thickness = max(1, int(round(scale * 2)))
        tids = dets.tracker_id if dets.tracker_id is not None else [None] * len(dets)
        for box, cls, conf, tid, color in zip(
            dets.xyxy.astype(int), dets.class_id, dets.confidence, tids, colors(dets.class_id, dets.tracker_id)
        ):
            name = packet.labels[int(cls)] if int(cls) < len(packet.labels) else str(int(cls))
            text = label_text(name, float(conf), None if tid is None else int(tid), self.params.confidence, self.params.track_id)
            (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
            x1 = max(0, int(box[0]))
            y1 = max(th + base + 2, int(box[1]))
            cv2.rectangle(canvas, (x1, y1 - th - base - 2), (x1 + tw + 4, y1), color, -1)
            luminance = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
            ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
            cv2.putText(canvas, text, (x1 + 2, y1 - base - 1), font, scale, ink, thickness, cv2.LINE_AA)
        return canvas
