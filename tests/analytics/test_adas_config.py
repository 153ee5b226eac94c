"""configs/adas.yaml validates against the stages it names."""

from __future__ import annotations

from pathlib import Path

import detect.analytics  # noqa: F401  (registers the analytics stages and the csv sink)
import detect.annotators.hud  # noqa: F401
import detect.annotators.zones  # noqa: F401
from detect.config import load

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "adas.yaml"


def test_adas_config_parses_with_one_shared_calibration() -> None:
    config = load(CONFIG)
    assert [s.type for s in config.analytics] == ["distance", "collision", "speed", "lines"]
    assert [s.type for s in config.annotators] == ["zones", "boxes", "labels", "hud"]
    assert [s.type for s in config.sinks] == ["video", "jsonl", "csv"]
    cameras = [s.params.camera for s in config.analytics if hasattr(s.params, "camera")]
    assert len(cameras) == 3 and all(c == cameras[0] for c in cameras)
    assert cameras[0].focal_px == 926 and cameras[0].horizon_px == 305 and cameras[0].lane_width.width_m == 3.66
