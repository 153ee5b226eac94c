"""Fuzz fixtures: one warm process (detect, torch, Ultralytics, PyAV imported once) that forks a
child per case, and the short real clip every case reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fuzz_material import CLIP


@pytest.fixture(scope="session")
def warm(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import what every case needs once, so each fork starts in milliseconds; exports (if a
    case asks for one) go to a cache of this session only."""
    os.environ.setdefault("DETECT_CACHE_DIR", str(tmp_path_factory.mktemp("export-cache")))
    os.environ["YOLO_OFFLINE"] = "1"
    import av  # noqa: F401
    import cv2  # noqa: F401
    import torch  # noqa: F401
    import ultralytics  # noqa: F401
    from ultralytics.nn.autobackend import AutoBackend  # noqa: F401

    import detect.cli  # noqa: F401
    import detect.config  # noqa: F401
    import detect.pipeline  # noqa: F401
    import detect.validate  # noqa: F401

    return models_dir


@pytest.fixture(scope="session")
def clip(shared_videos: Path) -> Path:
    return shared_videos / CLIP.name
