"""The order annotators draw in, and the canvas they share (the pipeline's drawing step)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from detect.annotators.layout import CanvasLayout
from detect.contract import Annotator
from detect.stage_handles import Named, stage_errors
from detect.types import Packet


class Drawing:
    """A frame's annotators, in config order with the overlays (the HUD) last: overlays claim
    their place first and are never covered. Text (tags, captions) is painted between the two,
    over every line but under the overlays."""

    def __init__(self, annotators: Sequence[Named[Annotator]]) -> None:
        self.overlays = [item for item in annotators if item.stage.overlay]
        self.order = [item for item in annotators if not item.stage.overlay] + self.overlays
        self._first_overlay = self.overlays[0] if self.overlays else None

    def __bool__(self) -> bool:
        return bool(self.order)

    def draw(self, packet: Packet) -> Packet:
        """The packet with its canvas: a copy of the frame with every annotator's drawing."""
        canvas = packet.frame.image.copy()
        h, w = canvas.shape[:2]
        layout = CanvasLayout(w, h, deferred=True)
        packet = dataclasses.replace(packet, layout=layout)
        index = packet.frame.index
        for item in self.overlays:
            with stage_errors(item.name, index):
                item.stage.reserve(packet)
        for item in self.order:
            if item is self._first_overlay:
                layout.paint(canvas)
            with stage_errors(item.name, index):
                canvas = item.stage.annotate(canvas, packet)
        layout.paint(canvas)
        return dataclasses.replace(packet, canvas=canvas)
