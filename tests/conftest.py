"""Shared fixtures: synthetic clips, a scripted detector, and the real shared weights/data."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import numpy as np
import pytest
from pydantic import Field

from detect.contract import Detector
from detect.params import StageParams
from detect.registry import detectors
from detect.types import Detections

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DETECT_SHARED_DIR", REPO.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() == "true"
SCRIPTED_CLI = [sys.executable, "-c",
                (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import conftest; "
                 "from detect.cli import main; sys.exit(main(sys.argv[1:]))")]
"""`detect` as the console script runs it, with the tests' scripted detector registered."""


def default_signals() -> None:
    """`preexec_fn` for a CLI child that must see SIGINT like a terminal's: the pytest process
    may by then ignore or block it (a library did), and a child inherits both, and
    `detect run` deliberately keeps a SIGINT its parent ignores ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def missing(message: str) -> NoReturn:
    """The one rule for absent material: skip locally, fail in CI (a green CI run must have tested it)."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require(path: Path, what: str) -> Path:
    """`path` if the shared material is there, else `missing`."""
    if path.exists():
        return path
    missing(f"{what} not found at {path} (set DETECT_MODELS_DIR / DETECT_SHARED_DIR)")


def shared_data() -> Path:
    """shared/data, the real evaluation sequences and stills (DETECT_SHARED_DIR may name shared/ or shared/data)."""
    return require(SHARED if (SHARED / "tracking").is_dir() else SHARED / "data", "shared evaluation data")


def tracking_dir() -> Path:
    """shared/data/tracking: MOTChallenge/KITTI sequences with ground truth."""
    return require(shared_data() / "tracking", "shared tracking sequences")


@pytest.fixture(scope="session")
def models_dir() -> Path:
    configured = os.environ.get("DETECT_MODELS_DIR")
    path = (Path(configured) if configured else SHARED / "models").absolute()
    require(path / "yolo11n.pt", "COCO weights")  # absolute: tests run the CLI from other folders
    os.environ["DETECT_MODELS_DIR"] = str(path)
    os.environ.setdefault("YOLO_OFFLINE", "1")
    return path


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    return require(SHARED / "data" / "videos", "shared real clips")


def box_at(index: int, width: int, height: int) -> tuple[int, int, int, int]:
    """Where the synthetic clip's moving square is in a given frame."""
    size = height // 4
    x = (index * 7) % max(1, width - size)
    y = height // 2 - size // 2
    return x, y, x + size, y + size


def write_clip(path: Path, frames: int = 20, width: int = 160, height: int = 96, fps: int = 10) -> Path:
    """An H.264 clip of a bright square moving right; index first (+faststart) like a finished recording."""
    import av

    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            image = np.full((height, width, 3), 40, np.uint8)
            x1, y1, x2, y2 = box_at(i, width, height)
            image[y1:y2, x1:x2] = (0, 200, 255)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture
def make_clip(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "clip.mp4", **kwargs: int) -> Path:
        return write_clip(tmp_path / name, **kwargs)

    return make


@detectors.register("scripted")
class ScriptedDetector(Detector):
    """Test detector: finds the synthetic clip's bright square (no model), optionally slow or failing."""

    class Params(StageParams):
        fail_at: int | None = Field(None, description="raise on this call number")
        delay_s: float = Field(0.0, ge=0)
        open_delay_s: float = Field(0.0, ge=0, description="a slow start-up (a model loading)")
        batch: int = Field(1, ge=1, description="frames per call, as a real detector's `batch`")
        miss: list[int] = Field([], description="images (counted from 0) in which nothing is found")

    def __init__(self, params: Params) -> None:
        super().__init__(params)
        self.labels = ("square", "car")
        self.calls = 0

    @property
    def batch(self) -> int:
        return self.params.batch

    def open(self, info=None) -> None:
        import time

        time.sleep(self.params.open_delay_s)

    def close(self) -> None:
        pass

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        import time

        out = []
        for image in images:
            if self.params.fail_at is not None and self.calls == self.params.fail_at:
                raise RuntimeError("scripted failure")
            self.calls += 1
            if self.calls - 1 in self.params.miss:
                out.append(Detections.empty())
                continue
            if self.params.delay_s:
                time.sleep(self.params.delay_s)
            mask = (image[:, :, 2] > 200) & (image[:, :, 1] > 150)
            ys, xs = np.nonzero(mask)
            if len(xs) == 0:
                out.append(Detections.empty())
                continue
            out.append(Detections(
                xyxy=np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32),
                confidence=np.array([0.9], np.float32),
                class_id=np.array([0]),
            ))
        return out


def pipeline_dict(source: Path, out: Path, **overrides: object) -> dict:
    config = {
        "source": {"type": "video", "path": str(source)},
        "detector": {"type": "scripted"},
        "tracker": {"type": "bytetrack"},
        "annotators": [{"type": "boxes"}, {"type": "labels"}, {"type": "trails"}],
        "sinks": [
            {"type": "video", "path": str(out / "out.mp4")},
            {"type": "jsonl", "path": str(out / "out.jsonl")},
            {"type": "mot", "path": str(out / "out.txt")},
        ],
    }
    config.update(overrides)
    return config


def decode_all(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


@pytest.fixture(scope="session")
def warm_cli(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A process ready to fork a CLI run per fuzz case (tests/fuzz): what every case needs is
    imported once, so each fork starts in milliseconds; exports go to this session's cache."""
    os.environ.setdefault("DETECT_CACHE_DIR", str(tmp_path_factory.mktemp("export-cache")))
    os.environ["YOLO_OFFLINE"] = "1"
    import av  # noqa: F401
    import cv2  # noqa: F401
    import torch  # noqa: F401
    import ultralytics  # noqa: F401
    from ultralytics.nn.autobackend import AutoBackend  # noqa: F401

    import detect.cli
    import detect.config
    import detect.pipeline
    import detect.validate  # noqa: F401

    return models_dir


@pytest.fixture(scope="session")
def short_clip(shared_videos: Path) -> Path:
    """1.5 s, 38 frames: the shortest shared clip (the fuzz cases read it)."""
    return shared_videos / "highway_udacity_vehicle_test_video.mp4"
