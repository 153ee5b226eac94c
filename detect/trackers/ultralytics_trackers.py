"""ByteTrack and BoT-SORT from Ultralytics, one instance (and id space) per pipeline.

Only public members of Ultralytics' trackers are used: `BYTETracker`/`BOTSORT(args)`, their
`update(results, img)`, `reset()` and the track lists `tracked_stracks` and `lost_stracks`; of a
track, `track_id`, `is_activated`, `idx` (which input detection it matched), `score`, `cls` and the
Kalman state `mean` (layout per tracker: `KalmanLayout`). Ids are ours (`TrackIds`), and boxes
for skipped frames are computed here (`advanced_xyxy`), never by changing a track.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Literal

import numpy as np
from pydantic import Field

from detect.contract import Tracker
from detect.params import StageParams
from detect.registry import trackers
from detect.trackers.track_ids import TrackIds
from detect.types import Detections, Frame

KalmanLayout = Literal["xyah", "xywh"]
"""What the first four of the eight state values are (the last four are their velocities):
centre x, centre y, aspect (w/h) and height, or centre x, centre y, width and height."""


def advanced_xyxy(mean: np.ndarray, fraction: float, layout: KalmanLayout) -> np.ndarray:
    """The state's box after `fraction` of one filter step, computed here so the track is never touched."""
    cx, cy, third, h = np.asarray(mean[:4], np.float64) + fraction * np.asarray(mean[4:8], np.float64)
    w = third * h if layout == "xyah" else third
    left, top = cx - w / 2, cy - h / 2
    return np.array([left, top, left + w, top + h], np.float32)


class TrackerInput:
    """The numpy view of detections that Ultralytics' trackers read (conf, cls, xywh, xyxy)."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy = xyxy
        self.conf = conf
        self.cls = cls

    @property
    def xywh(self) -> np.ndarray:
        xy = (self.xyxy[:, :2] + self.xyxy[:, 2:]) / 2
        wh = self.xyxy[:, 2:] - self.xyxy[:, :2]
        return np.concatenate([xy, wh], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: np.ndarray) -> TrackerInput:
        return TrackerInput(self.xyxy[index], self.conf[index], self.cls[index])


class ByteTrackParams(StageParams):
    track_high_thresh: float = Field(0.25, ge=0, le=1, description="first-stage match score")
    track_low_thresh: float = Field(0.1, ge=0, le=1, description="second-stage (low score) match")
    new_track_thresh: float = Field(0.25, ge=0, le=1, description="score needed to start a track")
    track_buffer: int = Field(30, ge=1, description="frames a lost track is kept")
    match_thresh: float = Field(0.8, ge=0, le=1, description="association cost threshold")
    fuse_score: bool = Field(True, description="fuse detection score into IoU cost")
    box: Literal["detection", "smoothed"] = Field(
        "detection", description="box output for a tracked object: the detector's, or smoothed (midway between "
                                 "it and the track's Kalman estimate: steadier size and place)")
    fill_gaps: float = Field(0.0, ge=0, le=2, description="seconds: a track found again within this long gets "
                                                          "boxes on the line between its sightings for the frames "
                                                          "it was missed (files only; output waits this long)")


class _UltralyticsTracker(Tracker):
    """Shared adapter: detections in, the same detections out with `tracker_id` set (-1 = untracked)."""

    tracker_type = ""
    kalman_layout: KalmanLayout = "xyah"

    def __init__(self, params: ByteTrackParams) -> None:
        self.params = params
        self.fill_gaps_s = params.fill_gaps
        self._tracker = None
        self._ids = TrackIds()

    def _make(self):
        raise NotImplementedError

    def update(self, detections: Detections, frame: Frame) -> Detections:
        if self._tracker is None:
            self._tracker = self._make()
        self._tracker.update(
            TrackerInput(detections.xyxy, detections.confidence, detections.class_id.astype(np.float32)),
            frame.image,
        )
        self._ids.observe(t.track_id for t in [*self._tracker.tracked_stracks, *self._tracker.lost_stracks])
        ids = np.full(len(detections), -1, np.int64)
        confirmed = self._confirmed()
        if confirmed:
            ids[[int(t.idx) for t in confirmed]] = self._ids.ours(t.track_id for t in confirmed)
        tracked = detections.with_tracker_ids(ids)
        if self.params.box == "smoothed" and confirmed:
            tracked = replace(tracked, xyxy=self._smoothed(tracked.xyxy, confirmed))
        return tracked

    def _smoothed(self, xyxy: np.ndarray, confirmed: list) -> np.ndarray:
        """Each matched box midway to its track's Kalman estimate (which has just taken the box in).

        Detector boxes jitter in size from frame to frame; the filter's estimate lags a turn. Their
        mean scored +1.0 HOTA on PETS09-S2L1 (7 fps) and within 0.1 elsewhere (README: Tracking accuracy).
        """
        xyxy = xyxy.copy()
        for track in confirmed:
            row = int(track.idx)
            xyxy[row] = (xyxy[row] + advanced_xyxy(track.mean, 0.0, self.kalman_layout)) / 2
        return xyxy

    def _confirmed(self) -> list:
        """The library's confirmed tracks (its update's output rows, as objects)."""
        return [t for t in (self._tracker.tracked_stracks if self._tracker else []) if t.is_activated]

    def predict(self, frame: Frame, fraction: float) -> Detections:
        """Boxes for a frame the detector skipped: each confirmed track moved `fraction` of one
        tracker step along its Kalman velocity (the tracker steps once per detector frame)."""
        tracks = self._confirmed()
        if not tracks:
            return Detections.empty().with_tracker_ids(np.zeros(0, np.int64))
        boxes = np.array([advanced_xyxy(t.mean, fraction, self.kalman_layout) for t in tracks], np.float32)
        h, w = frame.image.shape[:2]
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        return Detections(
            xyxy=boxes,
            confidence=np.array([t.score for t in tracks], np.float32),
            class_id=np.array([int(t.cls) for t in tracks], np.int64),
            tracker_id=self._ids.ours(t.track_id for t in tracks),
        )

    def reset(self) -> None:
        """Forget every track; ids start again at 1."""
        if self._tracker is not None:
            self._tracker.reset()
        self._ids.reset()

    def _args(self, **extra: object) -> SimpleNamespace:
        return SimpleNamespace(tracker_type=self.tracker_type, **self.params.model_dump(), **extra)


@trackers.register("bytetrack")
class ByteTrack(_UltralyticsTracker):
    """ByteTrack (Ultralytics): IoU association in two score stages."""

    tracker_type = "bytetrack"
    Params = ByteTrackParams

    def _make(self):
        from ultralytics.trackers.byte_tracker import BYTETracker

        return BYTETracker(self._args())


@trackers.register("botsort")
class BoTSORT(_UltralyticsTracker):
    """BoT-SORT (Ultralytics): ByteTrack plus camera-motion compensation."""

    tracker_type = "botsort"
    kalman_layout = "xywh"

    class Params(ByteTrackParams):
        gmc_method: str = Field("sparseOptFlow", pattern="^(sparseOptFlow|orb|sift|ecc|none)$",
                                description="global motion compensation")
        proximity_thresh: float = Field(0.5, ge=0, le=1, description="min IoU for ReID matching")
        appearance_thresh: float = Field(0.8, ge=0, le=1, description="min appearance similarity")

    def _make(self):
        from ultralytics.trackers.bot_sort import BOTSORT

        return BOTSORT(self._args(with_reid=False, model="auto", device="cpu"))


@trackers.register("none")
class NoTracker(Tracker):
    """No tracking: detections pass through with no ids."""

    assigns_ids = False

    class Params(StageParams):
        pass

    def __init__(self, params: Params) -> None:
        self.params = params

    def update(self, detections: Detections, frame: Frame) -> Detections:
        return detections

    def predict(self, frame: Frame, fraction: float) -> Detections:
        return Detections.empty()

    def reset(self) -> None:
        pass
