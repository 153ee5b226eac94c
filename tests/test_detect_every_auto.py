"""`detect_every: auto`: the detector skips frames only where the source's frame rate leaves enough looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ScriptedDetector, pipeline_dict

from detect.config import parse
from detect.detectors.ultralytics_yolo import UltralyticsDetector, frames_per_detection
from detect.pipeline import build
from detect.registry import detectors
from detect.types import SourceInfo


@detectors.register("scripted_auto_every")
class AutoEveryDetector(ScriptedDetector):
    """The scripted detector, deciding how often to run only once it knows the source (as `auto` does)."""

    def open(self, info: SourceInfo | None = None) -> None:
        self._every = frames_per_detection(info.fps if info is not None else 0.0)

    @property
    def detect_every(self) -> int:
        return self._every


@pytest.mark.parametrize(("fps", "every"), [(0, 1), (7, 1), (10, 1), (25, 1), (29.97, 2), (30, 2), (60, 4)])
def test_auto_skips_only_at_high_frame_rates(fps: float, every: int):
    assert frames_per_detection(fps) == every


def test_auto_is_a_valid_setting_and_numbers_still_are():
    assert UltralyticsDetector.Params(detect_every="auto").detect_every == "auto"
    assert UltralyticsDetector.Params(detect_every=3).detect_every == 3
    with pytest.raises(ValueError):
        UltralyticsDetector.Params(detect_every=0)


@pytest.mark.parametrize(("fps", "detected"), [(10, 12), (30, 6)])
def test_pipeline_takes_the_rate_the_detector_chose_after_open(make_clip, tmp_path: Path, fps: int, detected: int):
    clip = make_clip(frames=12, fps=fps)
    pipeline = build(parse(pipeline_dict(clip, tmp_path, detector={"type": "scripted_auto_every"})))
    result = pipeline.run(threaded=False)
    assert result.frames == 12
    assert pipeline.detector.stage.calls == detected
