"""`BoxTable`: boxes of one sequence as numpy columns, the common currency of every reader and metric.

Frames are ALWAYS 0-based in memory (frame 0 = first image = first video frame);
each reader converts its file's convention at the boundary, so no metric ever
guesses an offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

TARGET = "target"
"""Must be detected and tracked: counts as TP or FN."""
IGNORE = "ignore"
"""An object not to be scored (MOT distractor, flag 0): a prediction matched to it is dropped."""
IGNORE_REGION = "ignore_region"
"""An area not to be scored (KITTI DontCare, COCO crowd): unmatched predictions mostly inside it are dropped."""
OTHER = "other"
"""Annotated but not part of the protocol (occluders, unscored classes): treated as absent."""
ROLES = (TARGET, IGNORE, IGNORE_REGION, OTHER)

NO_TRACK = -1


@dataclass(frozen=True)
class BoxTable:
    """Axis-aligned boxes of one sequence (or one set of stills), one row per box.

    `track_id` is -1 where a box has no identity (detections, ignore regions);
    `score` is 1 for ground truth; `visibility` is -1 where unknown;
    `class_name` is "" where the file has no class (a MOTChallenge results file).
    """

    frame: np.ndarray
    track_id: np.ndarray
    xyxy: np.ndarray
    class_name: np.ndarray
    score: np.ndarray
    role: np.ndarray
    visibility: np.ndarray
    num_frames: int | None = None
    image_size: tuple[int, int] | None = None
    frame_names: tuple[str, ...] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.frame)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"BoxTable.xyxy must be ({n}, 4), got {self.xyxy.shape}")
        for name in ("track_id", "class_name", "score", "role", "visibility"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"BoxTable.{name} must have shape ({n},), got {getattr(self, name).shape}")
        unknown = set(np.unique(self.role).tolist()) - set(ROLES)
        if unknown:
            raise ValueError(f"BoxTable.role has unknown values {sorted(unknown)}; expected {ROLES}")

    @classmethod
    def build(
        cls,
        frame: Sequence[int] | np.ndarray,
        xyxy: Sequence[Sequence[float]] | np.ndarray,
        *,
        track_id: Sequence[int] | np.ndarray | None = None,
        class_name: Sequence[str] | np.ndarray | str = "",
        score: Sequence[float] | np.ndarray | None = None,
        role: Sequence[str] | np.ndarray | str = TARGET,
        visibility: Sequence[float] | np.ndarray | None = None,
        num_frames: int | None = None,
        image_size: tuple[int, int] | None = None,
        frame_names: tuple[str, ...] | None = None,
        source: str = "",
    ) -> BoxTable:
        """Columns from plain sequences, with defaults for the optional ones."""
        frames = np.asarray(frame, dtype=np.int64).reshape(-1)
        n = len(frames)
        boxes = np.asarray(xyxy, dtype=np.float64).reshape(n, 4)
        return cls(
            frame=frames,
            track_id=_column(track_id, n, NO_TRACK, np.int64),
            xyxy=boxes,
            class_name=_column(class_name, n, "", object),
            score=_column(score, n, 1.0, np.float64),
            role=_column(role, n, TARGET, object),
            visibility=_column(visibility, n, -1.0, np.float64),
            num_frames=num_frames,
            image_size=image_size,
            frame_names=frame_names,
            source=source,
        )

    @classmethod
    def empty(cls, source: str = "", num_frames: int | None = None) -> BoxTable:
        """A table with no boxes (a tracker that found nothing is still a valid result)."""
        return cls.build([], np.zeros((0, 4)), source=source, num_frames=num_frames)

    def __len__(self) -> int:
        return len(self.frame)

    def select(self, mask: np.ndarray) -> BoxTable:
        """Rows where a boolean mask (or index array) holds; sequence attributes are kept."""
        return replace(
            self,
            frame=self.frame[mask],
            track_id=self.track_id[mask],
            xyxy=self.xyxy[mask],
            class_name=self.class_name[mask],
            score=self.score[mask],
            role=self.role[mask],
            visibility=self.visibility[mask],
        )

    def with_column(self, name: str, values: np.ndarray) -> BoxTable:
        """A copy with one column replaced (e.g. mapped class names)."""
        return replace(self, **{name: values})

    @property
    def frame_count(self) -> int:
        """Frames the table spans: `num_frames` when the file says, else last frame + 1."""
        last = int(self.frame.max()) + 1 if len(self) else 0
        return max(self.num_frames or 0, last)

    @property
    def has_classes(self) -> bool:
        """Whether any row names a class (MOTChallenge results files name none)."""
        return bool(len(self)) and bool(np.any(self.class_name != ""))

    @property
    def has_tracks(self) -> bool:
        """Whether any row carries a track id (detector-only output carries none)."""
        return bool(np.any(self.track_id != NO_TRACK))


def _column(values: object, n: int, default: object, dtype: type) -> np.ndarray:
    """A (n,) column from a sequence, a scalar, or None (= default)."""
    if values is None:
        values = default
    if isinstance(values, (str, int, float)):
        column = np.empty(n, dtype=dtype)
        column[:] = values
        return column
    return np.asarray(values, dtype=dtype).reshape(-1)


def rows_by_frame(frame: np.ndarray, num_frames: int) -> list[np.ndarray]:
    """For each frame 0..num_frames-1, its row indices in file order (no Python loop over rows)."""
    order = np.argsort(frame, kind="stable")
    bounds = np.searchsorted(frame[order], np.arange(num_frames + 1))
    return [order[bounds[t]:bounds[t + 1]] for t in range(num_frames)]
