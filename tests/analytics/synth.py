"""Synthetic scenes for analytics tests: a pinhole camera placing boxes at known ranges.

The projection here is written out independently of detect.analytics.geometry, so a
shared mistake cannot make both sides agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from detect.analytics.camera import Camera, CameraParams
from detect.types import Detections, Event, Frame, Packet

LABELS = ("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck")
CAR, PERSON, TRUCK = 2, 0, 7
WIDTH, HEIGHT = 1242, 376
KITTI = CameraParams(focal_px=721.0, cx=609.0, cy=172.0, height_m=1.65, pitch_deg=0.0)
_IMAGES: dict[tuple[int, int], np.ndarray] = {}


def image(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """One shared black image per size: frames are read-only in analytics."""
    return _IMAGES.setdefault((width, height), np.zeros((height, width, 3), np.uint8))


def project(camera: Camera, x: float, elevation: float, z: float) -> tuple[float, float]:
    """Pixel of a road-frame point: x right, elevation up from the road, z forward."""
    down = camera.height_m - elevation
    pitch = camera.pitch_rad
    yc = down * math.cos(pitch) - z * math.sin(pitch)
    zc = down * math.sin(pitch) + z * math.cos(pitch)
    return camera.cx + camera.focal_px * x / zc, camera.cy + camera.focal_px * yc / zc


def box_at(camera: Camera, z: float, x: float = 0.0, width_m: float = 1.8, height_m: float = 1.5) -> tuple[float, ...]:
    """The image box of an upright object standing on the road at (x, z), back face toward us."""
    left, bottom = project(camera, x - width_m / 2, 0.0, z)
    right, top = project(camera, x + width_m / 2, height_m, z)
    return (left, top, right, bottom)


def packet(
    index: int,
    boxes: Sequence[Sequence[float]],
    ids: Sequence[int] | None = None,
    classes: Sequence[int] | None = None,
    fps: float = 10.0,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    labels: tuple[str, ...] = LABELS,
) -> Packet:
    """A packet at frame `index` (pts = index / fps) holding the given boxes."""
    n = len(boxes)
    dets = Detections(
        xyxy=np.array(boxes, np.float32).reshape(n, 4),
        confidence=np.full(n, 0.9, np.float32),
        class_id=np.array(classes if classes is not None else [CAR] * n, np.int64),
        tracker_id=None if ids is None else np.array(ids, np.int64),
    )
    frame = Frame(image=image(*size), index=index, pts_s=index / fps, source_id="synthetic")
    return Packet(frame=frame, detections=dets, labels=labels)


def kitti_camera() -> Camera:
    return KITTI.resolve(WIDTH, HEIGHT)


def events_of(packets: Sequence[Packet], kind: str) -> list[Event]:
    return [e for p in packets for e in p.events if e.kind == kind]
