"""`lines`: scripted tracks crossing a line: direction, once per track, unconfirmed ignored."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from detect.analytics.lines import Lines
from detect.columns import (
    CLASS_NAME,
    COUNTS,
    DIRECTION,
    END,
    LINE,
    LINE_CONFIG,
    LINE_CROSSING,
    START,
    TOTAL_IN,
    TOTAL_OUT,
)
from detect.types import Event

from .synth import CAR, PERSON, events_of, packet

# A horizontal line at y=100 drawn right-to-left: moving down the screen is "in".
GATE = {"name": "gate", "start": (200, 100), "end": (0, 100)}


def box(x: float, y: float) -> tuple[float, float, float, float]:
    """A 20x20 box whose bottom centre is (x, y)."""
    return (x - 10, y - 20, x + 10, y)


def run(frames: Sequence[list[tuple[int, float, float]]], classes: dict[int, int] | None = None, **params: object):
    """Feed frames of (track id, x, y) bottom-centre points; return the output packets."""
    stage = Lines(Lines.Params(lines=[GATE], **params))
    out = []
    for i, rows in enumerate(frames):
        ids = [tid for tid, _, _ in rows]
        cls = [(classes or {}).get(tid, CAR) for tid in ids]
        out.append(stage.process(packet(i, [box(x, y) for _, x, y in rows], ids=ids, classes=cls)))
    return out


def path(tid: int, x: float, ys: Sequence[float]) -> list[list[tuple[int, float, float]]]:
    return [[(tid, x, y)] for y in ys]


def test_crossing_down_is_in_and_up_is_out() -> None:
    down = events_of(run(path(1, 100, [70, 80, 90, 110, 120])), LINE_CROSSING)
    up = events_of(run(path(2, 100, [130, 120, 110, 90, 80])), LINE_CROSSING)
    assert [(e.track, e.payload[DIRECTION]) for e in down] == [(1, "in")]
    assert [(e.track, e.payload[DIRECTION]) for e in up] == [(2, "out")]
    assert down[0].frame == 3 and down[0].payload[LINE] == "gate" and down[0].payload[CLASS_NAME] == "car"
    assert down[0].payload[COUNTS] == {"in": {"car": 1}, "out": {}}


def test_each_track_counts_once_even_when_it_wobbles_across() -> None:
    crossings = events_of(run(path(1, 100, [80, 90, 95, 105, 95, 105, 95, 110])), LINE_CROSSING)
    assert len(crossings) == 1 and crossings[0].payload[DIRECTION] == "in"


def test_untracked_detections_never_count() -> None:
    assert not events_of(run(path(-1, 100, [70, 80, 90, 110, 120])), LINE_CROSSING)


def test_short_lived_track_that_crosses_never_counts() -> None:
    assert not events_of(run(path(5, 100, [95, 105]) + [[]] * 3), LINE_CROSSING)


def test_crossing_before_confirmation_counts_when_confirmed() -> None:
    crossings = events_of(run(path(6, 100, [95, 105, 112, 118])), LINE_CROSSING)
    assert [(e.frame, e.payload[DIRECTION]) for e in crossings] == [(2, "in")]


def test_crossing_back_before_confirmation_cancels() -> None:
    assert not events_of(run(path(7, 100, [95, 105, 95, 90])), LINE_CROSSING)


def test_passing_beyond_the_segment_end_is_not_a_crossing() -> None:
    assert not events_of(run(path(8, 250, [70, 80, 90, 110, 120])), LINE_CROSSING)


def test_counts_by_class_and_direction_accumulate() -> None:
    frames = [[(1, 50, y), (2, 100, y), (3, 150, 200 - y)] for y in (80, 85, 90, 110, 115)]
    crossings = events_of(run(frames, classes={2: PERSON}), LINE_CROSSING)
    last = crossings[-1]
    assert last.payload[COUNTS] == {"in": {"car": 1, "person": 1}, "out": {"car": 1}}
    assert (last.payload[TOTAL_IN], last.payload[TOTAL_OUT]) == (2, 1)


def test_class_filter_and_min_hits_are_configurable() -> None:
    frames = path(1, 100, [95, 105])
    assert events_of(run(frames, min_hits=1), LINE_CROSSING)
    only_people = {"name": "gate", "start": (200, 100), "end": (0, 100), "classes": ["person"]}
    stage = Lines(Lines.Params(lines=[only_people], min_hits=1))
    outs = [stage.process(packet(i, [box(100, y)], ids=[1], classes=[CAR])) for i, y in enumerate((95, 105))]
    assert not events_of(outs, LINE_CROSSING)


def test_lines_are_announced_once() -> None:
    configs = events_of(run(path(1, 100, [70, 80, 90])), LINE_CONFIG)
    announced = Event(LINE_CONFIG, frame=0, pts=0.0, payload={LINE: "gate", START: [200.0, 100.0], END: [0.0, 100.0]})
    assert configs == [announced]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([{"name": "a", "start": (0, 0), "end": (0, 0)}], "start and end are the same point"),
        ([GATE, GATE], "line names must be unique; repeated: gate"),
        ([{"name": "bad name", "start": (0, 0), "end": (1, 0)}], "should match pattern"),
        ([], "at least 1 item"),
    ],
)
def test_invalid_lines_are_explained(lines: list, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Lines.Params(lines=lines)
