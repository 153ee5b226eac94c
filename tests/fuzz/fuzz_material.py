"""Where the fuzz cases find the shared clip and weights, and how they write a config.
(The fixtures `warm_cli` and `short_clip` are in tests/conftest.py: a conftest.py here would
shadow the module `conftest` that other test folders import from.)

Case generators run at collection time, before any fixture, so the paths are plain constants
(the same environment variables as tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DETECT_SHARED_DIR", REPO.parent / "shared"))
CLIP = SHARED / "data" / "videos" / "highway_udacity_vehicle_test_video.mp4"
"""1.5 s, 38 frames: the shortest shared clip."""
MODELS = Path(os.environ.get("DETECT_MODELS_DIR") or SHARED / "models")


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
