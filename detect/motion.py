"""Motion gating for static cameras: the detector runs only when something moves or is tracked.

A parked camera watches an empty scene most of the time; running the detector on every frame
costs CPU for nothing. The gate compares each frame, shrunk to `width` pixels and turned grey
and blurred, with a running average of the recent frames (time constant `background_s`: someone
who left stops counting as motion within a second); a frame moves when more than `min_area` of
its pixels differ by more than `threshold` grey levels, outside the `ignore` polygons (trees in
the wind, a burnt-in clock). The pipeline then skips the detector on frames
that neither move nor have a confirmed track from the last detection, through the same path as
`detect_every`: the packet is marked not detected (and `motionless`), and the tracker gets an
empty update, so lost tracks age as they would if the detector had run and found nothing.

Only for static cameras. When the image moves as a whole (motion in `whole_image` of the cells
of a 4x4 grid, for two seconds: a dashcam, a camera carried or swaying on a pole) the gate says so once in the log
and lets every frame through, so a moving camera costs the same as without gating.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from pydantic import Field, field_validator

from detect.params import StageParams

log = logging.getLogger(__name__)
WHOLE_IMAGE_WARN_S = 2.0
GRID = 4
CELL_MOVES = 0.01
"""A cell of the 4x4 grid moves when 1% of its pixels do. Measured on the shared clips, the share
of moving cells (median) is 0.31 for PETS09-S2L1 and 0.50 for TUD-Stadtmitte (static cameras,
people walking), 0.62 to 1.0 for the dashcam clips and 1.0 for MOT16-11 (a walking camera)."""


class MotionParams(StageParams):
    """The top-level `motion:` block of a pipeline config."""

    width: int = Field(320, ge=32, le=1920, description="frames are shrunk to this width before comparing")
    threshold: int = Field(20, ge=1, le=255, description="grey levels a pixel must change by to count as moving")
    min_area: float = Field(0.002, gt=0, le=1, description="fraction of the picture that must move")
    background_s: float = Field(0.5, gt=0, le=60, description="time constant of the background average: "
                                                                "what stays still this long becomes background")
    ignore: list[list[tuple[float, float]]] = Field(
        default_factory=list, description="polygons (source pixels) where motion is ignored")
    whole_image: float = Field(0.75, gt=0, le=1, description="share of the picture's 4x4 cells moving at once "
                                                            "that means the camera itself moves (for 2 s)")

    @field_validator("ignore")
    @classmethod
    def _polygons(cls, polygons: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
        for polygon in polygons:
            if len(polygon) < 3:
                raise ValueError("an ignore polygon needs at least 3 points")
        return polygons


class MotionGate:
    """`moving(image)` per frame, in order; state is one small float image."""

    def __init__(self, params: MotionParams) -> None:
        self.params = params
        self._background: np.ndarray | None = None
        self._keep: np.ndarray | None = None
        self._scale = 1.0
        self._whole_frames = 0
        self._warned = False
        self.fps = 30.0
        self.last_fraction = 0.0
        self.camera_moves = False
        """True while the whole image moves (the gate then lets every frame through)."""

    def moving(self, image: np.ndarray) -> bool:
        import cv2

        grey = self._small_grey(image)
        if self._background is None or self._background.shape != grey.shape:
            self._background = grey.astype(np.float32)
            self._keep = self._mask(image.shape[:2], grey.shape)
            return True
        changed = cv2.absdiff(grey, cv2.convertScaleAbs(self._background)) > self.params.threshold
        alpha = 1 - math.exp(-1 / (max(self.fps, 1.0) * self.params.background_s))
        cv2.accumulateWeighted(grey, self._background, alpha)
        assert self._keep is not None
        counted = changed & self._keep
        self.last_fraction = float(counted.sum()) / max(1, int(self._keep.sum()))
        cells = cv2.resize(counted.astype(np.float32), (GRID, GRID), interpolation=cv2.INTER_AREA)
        self._check_whole_image(float((cells > CELL_MOVES).mean()))
        return self.camera_moves or self.last_fraction >= self.params.min_area

    def _small_grey(self, image: np.ndarray) -> np.ndarray:
        import cv2

        h, w = image.shape[:2]
        self._scale = min(1.0, self.params.width / w)
        size = (max(1, round(w * self._scale)), max(1, round(h * self._scale)))
        grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(grey, (5, 5), 0)

    def _mask(self, full: tuple[int, ...], small: tuple[int, ...]) -> np.ndarray:
        """Pixels that count: everything outside the ignore polygons (scaled to the small frame)."""
        import cv2

        keep = np.full(small, 255, np.uint8)
        for polygon in self.params.ignore:
            points = np.round(np.array(polygon, np.float64) * self._scale).astype(np.int32)
            cv2.fillPoly(keep, [points], 0)
        return keep > 0

    def _check_whole_image(self, moving_cells: float) -> None:
        """Motion everywhere at once, for seconds: the camera moves (people move in places)."""
        if moving_cells >= self.params.whole_image:
            self._whole_frames += 1
        else:
            self._whole_frames = 0
            self.camera_moves = False
        if self._whole_frames >= WHOLE_IMAGE_WARN_S * self.fps:
            self.camera_moves = True
            if not self._warned:
                self._warned = True
                log.warning("motion: the whole image has been moving for %.0f s: motion gating is for static "
                            "cameras (not a dashcam); the detector now runs on every frame", WHOLE_IMAGE_WARN_S)
