"""`clips`: a short mp4 per event, with what happened before it, a snapshot, and an index.

An event of a chosen kind (`object_start` from the `objects` stage, `zone_enter`,
`line_crossing`, `collision_warning`) opens a clip that starts `pre_s` before the event (before
its track was first seen, for `object_start`), taken from a ring buffer of recent frames,
and runs until `post_s` after the event's track was last seen. An event that comes while a clip
is open joins it (overlapping events make one clip). When a clip closes, each of its events
gets a snapshot JPEG of the frame where its track had the highest confidence, box drawn, and a
line in `events.jsonl`: id, stream, kind, class, track, start/end pts, clip and snapshot paths
(relative to the stream's folder), the snapshot's confidence and box.

Memory: the ring holds `pre_s` plus a few seconds of frames as YUV 4:2:0 (half of BGR, and what
the encoder takes), e.g. 5 s of 1080p at 30 fps is 470 MB: keep `pre_s` short on big frames.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from pydantic import Field

from detect.columns import (
    CLASS_NAME,
    COLLISION_WARNING,
    LINE_CROSSING,
    OBJECT_START,
    ZONE_ENTER,
)
from detect.contract import Sink
from detect.gpu_video import X264, Encoder, choose_encoder
from detect.params import StageParams, path_field
from detect.redaction import redact_text
from detect.registry import sinks
from detect.sinks.h264_file import H264File, WallClock, even_size, file_rate, to_yuv420
from detect.types import NO_TRACK, Event, Packet, SourceInfo

log = logging.getLogger(__name__)
CLIP_KINDS = (OBJECT_START, ZONE_ENTER, LINE_CROSSING, COLLISION_WARNING)
RING_SLACK_S = 3.0
"""Extra seconds the ring keeps: an `object_start` comes a few frames after its track first showed."""


@dataclass
class _Event:
    """One event in an open clip: when its track was seen, and its best view so far."""

    id: str
    kind: str
    class_name: str | None
    track: int | None
    start_pts: float
    last_pts: float
    best_confidence: float = -1.0
    best_image: np.ndarray | None = None
    best_box: tuple[float, float, float, float] | None = None


@dataclass
class _Clip:
    file: H264File
    final: Path
    start_pts: float
    events: list[_Event]


@sinks.register("clips")
class ClipsSink(Sink):
    """Event clips with pre- and post-roll, snapshots, and an events.jsonl index."""

    class Params(StageParams):
        path: str = path_field(description="folder of clips (one subfolder per stream, then per day)")
        stream: str = Field("camera", pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="this camera's folder name")
        kinds: list[str] = Field(default_factory=lambda: [OBJECT_START], description="event kinds that make a clip "
                                 f"({', '.join(CLIP_KINDS)})")
        classes: list[str] | None = Field(None, description="only events about these classes (default: all)")
        pre_s: float = Field(3.0, ge=0, le=60, description="seconds of video before the event")
        post_s: float = Field(3.0, ge=0, le=600, description="seconds after the event's track was last seen")
        max_clip_s: float = Field(600.0, gt=0, description="close a clip that has run this long")
        annotated: bool = Field(False, description="clips of the annotated picture instead of the camera's")
        crf: int = Field(23, ge=0, le=51, description="x264 quality (lower = better, bigger)")
        preset: str = Field("veryfast", pattern="^(ultrafast|superfast|veryfast|faster|fast|medium|slow)$",
                            description="x264 speed/size trade-off")
        encoder: Encoder = Field("libx264", description="libx264, h264_nvenc (NVIDIA GPU; crf and preset mapped) or "
                                                        "auto (NVENC when usable); else libx264, said in one log line")
        snapshot_quality: int = Field(90, ge=1, le=100, description="JPEG quality of snapshots")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.folder = Path(params.path) / params.stream
        self._ring: deque[tuple[float, np.ndarray]] = deque()
        self._clip: _Clip | None = None
        self._written_until = float("-inf")
        self._clock = WallClock()
        self._index: IO[str] | None = None
        self._size = (0, 0)
        self._fps = 30.0
        self._encoder = X264
        self._count = 0
        self.closed: list[dict] = []
        """The index records of this run's events, as written to events.jsonl."""

    def check(self) -> None:
        from detect.errors import ConfigError

        unknown = [k for k in self.params.kinds if k not in CLIP_KINDS]
        if unknown:
            raise ConfigError(f"sinks (clips).kinds: {', '.join(unknown)} cannot make a clip; "
                              f"choose from {', '.join(CLIP_KINDS)}")

    def outputs(self) -> list[str]:
        return [redact_text(str(self.folder))]

    def open(self, info: SourceInfo) -> None:
        self.check()
        self._size = even_size(info.width, info.height)
        self._fps = info.fps
        self._encoder = choose_encoder(self.params.encoder, self._size, file_rate(self._fps),
                                       f"sink clips {self.folder}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._index = (self.folder / "events.jsonl").open("a", encoding="utf-8")

    def write(self, packet: Packet) -> None:
        t = packet.frame.pts_s
        self._clock.start(t)
        image = packet.canvas if self.params.annotated and packet.canvas is not None else packet.frame.image
        yuv = to_yuv420(image, self._size)
        if self._ring and t < self._ring[-1][0]:
            self._ring.clear()  # time went back (a looped file, a reconnect)
        for event in packet.events:
            if self._wanted(event):
                self._add(event, t)
        clip = self._clip
        if clip is not None:
            self._follow(clip, packet)
            clip.file.write(yuv, t)
            self._written_until = t
            end = max(e.last_pts for e in clip.events) + self.params.post_s
            if t >= end or t - clip.start_pts >= self.params.max_clip_s:
                self._close_clip(t)
        self._ring.append((t, yuv))
        while self._ring and self._ring[0][0] < t - self.params.pre_s - RING_SLACK_S:
            self._ring.popleft()

    def close(self) -> None:
        try:
            if self._clip is not None:
                self._close_clip(self._written_until)
        finally:
            if self._index is not None:
                self._index.close()
                self._index = None
            self._ring.clear()

    def _wanted(self, event: Event) -> bool:
        if event.kind not in self.params.kinds or event.pts is None:
            return False
        name = event.payload.get(CLASS_NAME)
        return self.params.classes is None or name in self.params.classes

    def _add(self, event: Event, t: float) -> None:
        """A new event joins the open clip, or opens one with the ring's frames as pre-roll."""
        first = float(event.payload.get("first_pts", event.pts))
        track = event.track if event.track is not None and event.track != NO_TRACK else None
        self._count += 1
        item = _Event(f"{self.params.stream}-{self._count}", event.kind, event.payload.get(CLASS_NAME), track,
                      min(first, t), t)
        if self._clip is not None:
            self._clip.events.append(item)
            return
        since = max(item.start_pts - self.params.pre_s, self._written_until + 1e-6)
        pre_roll = [(pts, yuv) for pts, yuv in self._ring if pts >= since - 1e-6]
        start = pre_roll[0][0] if pre_roll else t
        when = self._clock.at(start)
        final = self.folder / when.strftime("%Y-%m-%d") / f"{when.strftime('%H-%M-%S')}-{item.id}.mp4"
        staged = final.with_name(f".{final.name}.partial")
        file = H264File(staged, self._size, self._fps, self.params.crf, self.params.preset, encoder=self._encoder)
        clip = _Clip(file, final, start, [item])
        for pts, yuv in pre_roll:
            clip.file.write(yuv, pts)
        self._clip = clip

    def _follow(self, clip: _Clip, packet: Packet) -> None:
        """Where each event's track is in this frame: when it was last seen, its best view."""
        dets = packet.detections
        if dets.tracker_id is None:
            return
        for item in clip.events:
            if item.track is None:
                continue
            rows = np.flatnonzero(dets.tracker_id == item.track)
            if not len(rows):
                continue
            i = int(rows[0])
            item.last_pts = packet.frame.pts_s
            confidence = float(dets.confidence[i])
            if confidence > item.best_confidence and packet.detected:
                item.best_confidence = confidence
                item.best_image = packet.frame.image
                item.best_box = tuple(float(v) for v in dets.xyxy[i])

    def _close_clip(self, t: float) -> None:
        clip, self._clip = self._clip, None
        assert clip is not None and self._index is not None
        try:
            clip.file.close()
        finally:
            os.replace(clip.file.path, clip.final)
        for item in clip.events:
            snapshot = self._snapshot(clip.final, item)
            record = {"id": item.id, "stream": self.params.stream, "kind": item.kind, CLASS_NAME: item.class_name,
                      "track_id": item.track, "start_pts": round(item.start_pts, 4),
                      "end_pts": round(item.last_pts, 4), "clip": str(clip.final.relative_to(self.folder)),
                      "clip_start_pts": round(clip.start_pts, 4), "clip_end_pts": round(t, 4),
                      "snapshot": str(snapshot.relative_to(self.folder)) if snapshot else None,
                      "best_confidence": round(item.best_confidence, 4) if item.best_image is not None else None,
                      "box": [round(v, 1) for v in item.best_box] if item.best_box else None}
            self._index.write(json.dumps(record) + "\n")
            self.closed.append(record)
        self._index.flush()

    def _snapshot(self, clip: Path, item: _Event) -> Path | None:
        """The event's best frame as JPEG with its box, written beside the clip."""
        if item.best_image is None or item.best_box is None:
            return None
        import cv2

        image = item.best_image.copy()
        x1, y1, x2, y2 = (int(round(v)) for v in item.best_box)
        cv2.rectangle(image, (x1 - 2, y1 - 2), (x2 + 2, y2 + 2), (0, 0, 255), 2)  # around the object, not over it
        label = f"{item.class_name or item.kind} {item.best_confidence:.2f}"
        cv2.putText(image, label, (x1 - 2, max(12, y1 - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1, cv2.LINE_AA)
        path = clip.with_name(f"{clip.stem}-{item.id.rsplit('-', 1)[1]}.jpg")
        staged = path.with_name(f".{path.name}.partial")
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.params.snapshot_quality])
        if not ok:
            return None
        staged.write_bytes(data.tobytes())
        os.replace(staged, path)
        return path
