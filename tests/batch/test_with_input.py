"""Pipeline.with_input: many inputs through one loaded model, each with its own tracker and sinks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detect import Pipeline
from detect.errors import ConfigError

pytestmark = pytest.mark.model


def test_runs_made_with_with_input_share_one_loaded_model(short_clip: Path, models_dir: Path, tmp_path: Path) -> None:
    config = {"source": {"type": "video", "path": str(short_clip)},
              "detector": {"type": "ultralytics", "model": "yolo11n.pt", "imgsz": 320},
              "tracker": {"type": "bytetrack"},
              "sinks": [{"type": "jsonl", "path": str(tmp_path / "x.jsonl")}]}
    engines = []
    with Pipeline.from_dict(config) as base:
        for name in ["first", "second"]:
            run = base.with_input(str(short_clip), source__end=0.4, sinks__0__path=str(tmp_path / f"{name}.jsonl"))
            assert run.detector is base.detector
            run.run(on_start=lambda info: engines.append(base.detector.stage._backend))
            assert base.detector.stage._backend is not None, "the model stays loaded between inputs"
        with pytest.raises(ConfigError, match="detector values cannot change per input"):
            base.with_input(str(short_clip), detector__conf=0.5)
    assert engines[0] is engines[1]
    assert base.detector.stage._backend is None, "close() releases it"
    first, second = ((tmp_path / f"{n}.jsonl").read_text() for n in ["first", "second"])
    assert first == second and json.loads(first.splitlines()[0])["frame"] == 0
