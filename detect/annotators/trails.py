"""Fading trails of the last N centres of each track."""

from __future__ import annotations

from collections import deque

import numpy as np
from pydantic import Field

from detect.annotators.colors import color_for
from detect.contract import Annotator
from detect.params import StageParams
from detect.registry import annotators
from detect.types import Packet


@annotators.register("trails")
class TrailAnnotator(Annotator):
    """Polyline through the last `length` box centres of each track on screen, older parts thinner and darker."""

    class Params(StageParams):
        length: int = Field(30, ge=2, le=1000, description="centres kept per track")
        thickness: int = Field(3, ge=1, le=20, description="width of the newest segment")
        anchor: str = Field("center", pattern="^(center|bottom)$", description="box point to follow")
        forget_after: int = Field(30, ge=1, description="drop a track's trail after this many frames unseen")

    def __init__(self, params: Params) -> None:
        self.params = params
        self._points: dict[int, deque[tuple[int, int]]] = {}
        self._last_seen: dict[int, int] = {}
        self._class: dict[int, int] = {}
        self._tick = 0

    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        import cv2

        self._tick += 1
        self._remember(packet)
        for tid in self._on_screen(packet):
            points = self._points[tid]
            if len(points) < 2:
                continue
            color = np.array(color_for(self._class[tid], tid), np.float32)
            n = len(points)
            for i in range(1, n):
                age = i / (n - 1)
                shade = tuple(int(c) for c in color * (0.35 + 0.65 * age))
                width = max(1, int(round(self.params.thickness * age)))
                cv2.line(canvas, points[i - 1], points[i], shade, width, cv2.LINE_AA)
        return canvas

    def _on_screen(self, packet: Packet) -> list[int]:
        """Tracks with a box in this frame: a trail is drawn only hanging from its box, never
        for a track that is lost or gone (its history is kept until `forget_after`)."""
        ids = packet.detections.tracker_id
        if ids is None:
            return []
        return [int(t) for t in dict.fromkeys(ids.tolist()) if t >= 0 and int(t) in self._points]

    def _remember(self, packet: Packet) -> None:
        dets = packet.detections
        if dets.tracker_id is not None:
            xyxy = dets.xyxy
            ys = xyxy[:, 3] if self.params.anchor == "bottom" else (xyxy[:, 1] + xyxy[:, 3]) / 2
            xs = (xyxy[:, 0] + xyxy[:, 2]) / 2
            for x, y, tid, cls in zip(xs, ys, dets.tracker_id, dets.class_id):
                if tid < 0:
                    continue
                tid = int(tid)
                self._points.setdefault(tid, deque(maxlen=self.params.length)).append((int(x), int(y)))
                self._last_seen[tid] = self._tick
                self._class[tid] = int(cls)
        stale = [t for t, seen in self._last_seen.items() if self._tick - seen > self.params.forget_after]
        for tid in stale:
            del self._points[tid], self._last_seen[tid], self._class[tid]
