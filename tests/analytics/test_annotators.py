"""`hud` and `zones` annotators: draw what the analytics stages put in the packet."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pydantic import ValidationError

from detect.analytics.collision import Collision
from detect.analytics.lines import Lines
from detect.annotators.hud import LEVEL_COLORS, SECTIONS, HudAnnotator, driving_section
from detect.annotators.zones import ZonesAnnotator
from detect.columns import DISTANCE_M, IS_LEAD, REL_SPEED_MPS, TTC_S, WARNING_LEVEL

from .synth import KITTI, box_at, kitti_camera, packet

KITTI_CAMERA = KITTI.model_dump(exclude_none=True)


def canvas() -> np.ndarray:
    return np.zeros((376, 1242, 3), np.uint8)


def with_columns(p, columns: dict[str, np.ndarray]):
    dets = dataclasses.replace(p.detections, data={**p.detections.data, **columns})
    return dataclasses.replace(p, detections=dets)


def test_hud_shows_the_lead_with_range_speed_and_ttc() -> None:
    p = with_columns(
        packet(0, [box_at(kitti_camera(), 9.0)], ids=[3]),
        {
            IS_LEAD: np.array([True]),
            DISTANCE_M: np.array([9.04]),
            TTC_S: np.array([1.0]),
            WARNING_LEVEL: np.array([2], np.int8),
            REL_SPEED_MPS: np.array([-9.0]),
        },
    )
    section = driving_section(p)
    assert section is not None
    assert [line.text for line in section.lines] == ["Lead: car #3", "9.0 m  closing 32 km/h", "DANGER TTC 1.0 s"]
    assert section.level == 2
    out = HudAnnotator(HudAnnotator.Params()).annotate(canvas(), p)
    assert tuple(int(v) for v in out[0, 600]) == LEVEL_COLORS[2]


def test_hud_without_driving_data_draws_nothing() -> None:
    out = HudAnnotator(HudAnnotator.Params()).annotate(canvas(), packet(0, [(10, 10, 50, 50)], ids=[1]))
    assert not out.any()


def test_hud_reports_no_lead_and_nearest_when_only_distance_ran() -> None:
    no_lead = with_columns(packet(0, [(10, 10, 50, 50)], ids=[1]), {IS_LEAD: np.array([False])})
    assert [line.text for line in driving_section(no_lead).lines] == ["No lead vehicle"]
    ranged = with_columns(
        packet(0, [(10, 10, 50, 50), (60, 10, 90, 50)], ids=[1, 2]), {DISTANCE_M: np.array([20.0, 12.5])}
    )
    assert [line.text for line in driving_section(ranged).lines] == ["Nearest: car #2", "12.5 m"]


def test_hud_sections_are_validated_and_extensible() -> None:
    assert "driving" in SECTIONS
    with pytest.raises(ValidationError, match="unknown hud section stats"):
        HudAnnotator.Params(sections=["driving", "stats"])


def test_hud_on_a_collision_packet_draws_the_panel() -> None:
    stage = Collision(Collision.Params(camera=KITTI_CAMERA))
    p = [stage.process(packet(i, [box_at(kitti_camera(), 15.0)], ids=[1])) for i in range(3)][-1]
    out = HudAnnotator(HudAnnotator.Params(corner="bottom-right")).annotate(canvas(), p)
    assert out[300:, 900:].any() and not out[:50, :300].any()


def test_zones_annotator_draws_announced_shapes_and_keeps_counts() -> None:
    annotator = ZonesAnnotator(ZonesAnnotator.Params())
    lines = Lines(Lines.Params(lines=[{"name": "gate", "start": (1000, 300), "end": (200, 300)}], min_hits=1))
    first = lines.process(packet(0, [(590, 270, 610, 290)], ids=[1]))
    collision = Collision(Collision.Params(camera=KITTI_CAMERA))
    first = dataclasses.replace(first, events=first.events + collision.process(packet(0, [])).events)
    out = annotator.annotate(canvas(), first)
    assert out[300, 600].any()
    assert set(annotator.zones) == {"ego_lane"} and set(annotator.lines) == {"gate"}
    second = lines.process(packet(1, [(590, 300, 610, 320)], ids=[1]))
    annotator.annotate(canvas(), second)
    assert annotator.crossings["gate"] == (1, 0)
    later = annotator.annotate(canvas(), packet(2, []))
    assert later[300, 600].any()


def test_zones_annotator_with_no_announcements_draws_nothing() -> None:
    assert not ZonesAnnotator(ZonesAnnotator.Params()).annotate(canvas(), packet(0, [(1, 1, 5, 5)])).any()
