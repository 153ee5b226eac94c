"""On busy real footage run through the real detector, tracker and analytics, the text the
annotators drew (the rectangles they claimed on each canvas) never overlaps, never leaves the
frame and never covers the HUD panel."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from detect import Pipeline

ROOT = Path(__file__).resolve().parents[1]


HUD_FIRST = [{"type": "hud"}, {"type": "zones"}, {"type": "boxes"}, {"type": "labels"}, {"type": "trails"}]
"""The HUD listed first: it must still claim its panel before the labels and be drawn last."""


@pytest.mark.parametrize(("config", "clip", "frames"), [
    ("adas.yaml", "urban_kitti_raw_2011_09_26_stopgo.mp4", 30),
    ("dashcam.yaml", "highway_udacity_solidWhiteRight.mp4", 40),
])
def test_drawn_text_never_overlaps_leaves_the_frame_or_covers_the_hud(
        models_dir: Path, shared_videos: Path, config: str, clip: str, frames: int) -> None:
    overrides = {"annotators": HUD_FIRST} if config == "adas.yaml" else {}
    pipeline = Pipeline.from_yaml(ROOT / "configs" / config, source=str(shared_videos / clip), sinks=[], **overrides)
    labelled = 0
    packets = pipeline.packets()
    try:
        for packet in itertools.islice(packets, frames):
            layout = packet.layout
            h, w = packet.canvas.shape[:2]
            assert (layout.width, layout.height) == (w, h)
            text = layout.rects("label", "caption")
            for rect in text:
                assert rect.inside(w, h), f"frame {packet.frame.index}: {rect} leaves the {w}x{h} frame"
                drawn = packet.canvas[rect.y1:rect.y2, rect.x1:rect.x2] != packet.frame.image[rect.y1:rect.y2,
                                                                                              rect.x1:rect.x2]
                assert drawn.any(), f"frame {packet.frame.index}: nothing painted in claimed {rect}"
            for a, b in itertools.combinations(text, 2):
                assert not a.overlaps(b), f"frame {packet.frame.index}: {a} overlaps {b}"
            for panel in layout.rects("hud"):
                assert not any(rect.overlaps(panel) for rect in text), f"frame {packet.frame.index}: text on the HUD"
            labelled += len(layout.rects("label"))
            boxes = len(packet.detections)
            assert len(layout.rects("label")) <= boxes
    finally:
        packets.close()
    assert labelled >= frames * 4, "a busy clip: most boxes keep a tag"
    if config == "adas.yaml":
        assert layout.rects("hud") and layout.rects("caption"), "the HUD and the ego-lane/line captions were drawn"
        assert [item.stage.overlay for item in pipeline.drawing.order] == [False] * 4 + [True], "the HUD last"
