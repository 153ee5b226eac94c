"""Box outlines, coloured by track."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from detect.annotators.colors import colors
from detect.contract import Annotator
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Packet


@annotators.register("boxes")
class BoxAnnotator(Annotator):
    """Rectangles around detections, one colour per track id."""

    class Params(StageParams):
        thickness: int = Field(2, ge=1, le=20, description="line width in pixels")

    def __init__(self, params: Params) -> None:
        self.params = params

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        import cv2

        dets = packet.detections
        for box, color in zip(dets.xyxy.astype(int), colors(dets.class_id, dets.tracker_id)):
            cv2.rectangle(canvas, (box[0], box[1]), (box[2], box[3]), color, self.params.thickness, cv2.LINE_AA)
        return canvas
