"""Frames for INT8 calibration: a sample of the user's own footage (a video file or image folder)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from detect.errors import ConfigError

SAMPLES = 96


def identity(path: str) -> str:
    """Cheap cache identity of the calibration material (path, size, mtime), no decoding."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"detector.calibration: not found: {path}")
    stat = p.stat()
    return hashlib.sha256(f"{p.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:8]


def sample_frames(path: str, count: int = SAMPLES) -> list[np.ndarray]:
    """Evenly spaced frames of a video (first minute at most), or up to `count` images of a folder.

    The reader is the registered `video` or `images` source, built like any configured stage:
    detectors depend on the registry and the contract, never on source modules."""
    from detect import stages  # noqa: F401  (registers the built-in sources)
    from detect.registry import sources

    p = Path(path)
    kind = "images" if p.is_dir() else "video"
    cls = sources.get(kind)
    params = {"path": str(p)} if kind == "images" else {"path": str(p), "end": 60.0}
    source = cls(cls.Params(**params))
    info = source.open()
    try:
        total = info.total_frames or count
        step = max(1, total // count)
        return [f.image for f in source if f.index % step == 0][:count]
    finally:
        source.close()
