"""Fuzz fixtures: one warm process (detect, torch, Ultralytics, PyAV imported once) that forks a
child per case, the short real clip every case reads, and a scratch folder per case."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

CLIP_NAME = "highway_udacity_vehicle_test_video.mp4"
"""1.5 s, 38 frames: the shortest shared clip."""


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
    return shared_videos / CLIP_NAME


def pipeline(clip: Path, model: str = "yolo11n.pt") -> dict[str, Any]:
    """The smallest real pipeline: the clip, a detector, one JSONL output in the working folder."""
    return {"source": {"type": "video", "path": str(clip)},
            "detector": {"type": "ultralytics", "model": model, "classes": ["car"]},
            "tracker": {"type": "bytetrack"},
            "sinks": [{"type": "jsonl", "path": "out.jsonl"}]}


def write_config(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False))
    return path


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    return lines[0] if lines else ""
