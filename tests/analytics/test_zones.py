"""`zones`: occupancy per class and enter/leave events for confirmed tracks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from detect.analytics.zones import Zones
from detect.columns import (
    COUNTS,
    TOTAL,
    ZONE,
    ZONE_CONFIG,
    ZONE_ENTER,
    ZONE_LEAVE,
    ZONE_OCCUPANCY,
    zone_column,
)

from .synth import CAR, PERSON, events_of, packet

SQUARE = {"name": "box", "polygon": [(0, 0), (100, 0), (100, 100), (0, 100)]}


def at(x: float, y: float) -> tuple[float, float, float, float]:
    """A box whose bottom centre is (x, y)."""
    return (x - 5, y - 10, x + 5, y)


def run(frames: list[list[tuple[int, float, float]]], classes: dict[int, int] | None = None, **params: object):
    stage = Zones(Zones.Params(zones=[SQUARE], **params))
    out = []
    for i, rows in enumerate(frames):
        ids = [tid for tid, _, _ in rows]
        cls = [(classes or {}).get(tid, CAR) for tid in ids]
        out.append(stage.process(packet(i, [at(x, y) for _, x, y in rows], ids=ids, classes=cls)))
    return out


def test_enter_occupancy_and_leave_for_a_confirmed_track() -> None:
    frames = [[(1, 50, 50)]] * 4 + [[(1, 150, 50)]]
    outs = run(frames)
    assert [(e.frame, e.track) for e in events_of(outs, ZONE_ENTER)] == [(2, 1)]
    assert [(e.frame, e.track) for e in events_of(outs, ZONE_LEAVE)] == [(4, 1)]
    occupancy = events_of(outs, ZONE_OCCUPANCY)
    assert [(e.frame, e.payload[COUNTS], e.payload[TOTAL]) for e in occupancy] == [(2, {"car": 1}, 1), (4, {}, 0)]
    assert outs[0].detections.data[zone_column("box")].tolist() == [True]
    assert outs[-1].detections.data[zone_column("box")].tolist() == [False]


def test_occupancy_counts_per_class_and_ignores_unconfirmed_and_untracked() -> None:
    frames = [[(1, 10, 10), (2, 20, 20), (3, 30, 30), (-1, 40, 40)]] * 3 + [[(1, 10, 10), (2, 20, 20), (4, 50, 50)]]
    outs = run(frames, classes={2: PERSON}, leave_after_s=0.0)
    last = events_of(outs, ZONE_OCCUPANCY)[-1]
    assert last.payload[COUNTS] == {"car": 1, "person": 1}
    assert {e.track for e in events_of(outs, ZONE_ENTER)} == {1, 2, 3}


def test_a_brief_dropout_is_not_a_leave_but_a_long_one_is() -> None:
    frames = [[(1, 50, 50)]] * 3 + [[]] * 5 + [[(1, 50, 50)]] + [[]] * 12
    outs = run(frames, leave_after_s=1.0)
    assert len(events_of(outs, ZONE_ENTER)) == 1
    leaves = events_of(outs, ZONE_LEAVE)
    assert len(leaves) == 1 and leaves[0].frame == 19


def test_zones_are_announced_once_and_names_must_be_unique() -> None:
    outs = run([[]] * 3)
    assert [e.payload[ZONE] for e in events_of(outs, ZONE_CONFIG)] == ["box"]
    with pytest.raises(ValidationError, match="zone names must be unique"):
        Zones.Params(zones=[SQUARE, SQUARE])
