"""configs/adas.yaml on the bundled sample: the calibration measured on the clip (sample_videos/README.md)
puts the ego lane on the painted lines and gives ranges and sizes a highway has."""

from __future__ import annotations

import math
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import REPO

from detect import Pipeline
from detect.analytics.camera import Camera

CONFIG = REPO / "configs" / "adas.yaml"
SAMPLE = REPO / "sample_videos" / "highway.mp4"
SECONDS = 6.0
PAINT_GRAY = 180
"""Lane paint is white (gray > 200 in the clip); asphalt and the dry verge stay below 170."""


@pytest.fixture(scope="module")
def run(models_dir: Path) -> tuple[list[dict], list[dict], Camera]:
    """Per-detection records and events of the first 6 s (150 frames), and the resolved camera."""
    pipeline = Pipeline.from_yaml(CONFIG, source=str(SAMPLE), source__end=SECONDS)
    detections, events = [], []
    for result in pipeline.stream():
        detections.extend(result.records())
        events.extend(event.to_record() for event in result.events)
    camera = pipeline.config.analytics[0].params.camera.resolve(960, 540)
    return detections, events, camera


def lane_edge_offsets(polygon: np.ndarray) -> dict[str, list[float]]:
    """How far the painted line lies from each side of the ego-lane polygon, on rows below the
    horizon of every 10th frame (only where paint is within 40 px: the left line is dashed)."""
    (bl, br, tr, tl) = polygon
    offsets: dict[str, list[float]] = {"left": [], "right": []}
    with av.open(str(SAMPLE)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % 10 or index >= SECONDS * 25:
                continue
            gray = cv2.cvtColor(frame.to_ndarray(format="bgr24"), cv2.COLOR_BGR2GRAY)
            for row in range(360, 531, 10):
                t = (bl[1] - row) / (bl[1] - tl[1])
                for side, x in (("left", bl[0] + (tl[0] - bl[0]) * t), ("right", br[0] + (tr[0] - br[0]) * t)):
                    lo, hi = int(x) - 40, int(x) + 41
                    paint = np.flatnonzero(gray[row, lo:hi] > PAINT_GRAY)
                    if len(paint):
                        offsets[side].append(float(lo + paint.mean() - x))
    return offsets


def test_the_ego_lane_from_the_calibration_lies_on_the_painted_lines(run) -> None:
    _, events, _ = run
    (lane,) = [e for e in events if e["event"] == "zone_config" and e["kind"] == "ego_lane"]
    offsets = lane_edge_offsets(np.array(lane["polygon"]))
    for side, found in offsets.items():
        assert len(found) >= 40, f"{side} lane line seen on only {len(found)} rows"
        assert abs(float(np.median(found))) < 15, f"{side} edge {np.median(found):.0f} px from the paint"


def test_ranges_and_sizes_are_a_highways(run) -> None:
    detections, events, camera = run
    assert 1.1 < camera.height_m < 1.4 and -3 < math.degrees(camera.pitch_rad) < -1
    cars = [d for d in detections if d["class_name"] == "car" and d["distance_method"] == "ground"]
    ranges = np.array([d["distance_m"] for d in cars])
    assert len(cars) > 300 and ranges.min() > 10 and ranges.max() < 150, (ranges.min(), ranges.max())
    near = [d for d in cars if d["xyxy"][3] > 345]
    assert near and all(10 < d["distance_m"] < 50 for d in near), "cars close by in the next lanes"
    heights = [(d["xyxy"][3] - d["xyxy"][1]) * d["distance_m"] / camera.focal_px for d in cars if d["distance_m"] < 40]
    assert 1.2 < float(np.median(heights)) < 1.6, f"car height {np.median(heights):.2f} m"
    assert not any(d.get("is_lead") for d in detections), "our lane is empty for 60 m in this clip"
    assert not [e for e in events if e["event"] == "collision_warning"]
