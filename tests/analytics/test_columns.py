"""Every column and event field an analytics stage writes is declared in `detect.columns`."""

from __future__ import annotations

import detect.columns as columns
from detect.analytics.collision import Collision
from detect.analytics.distance import Distance
from detect.analytics.lines import Lines
from detect.analytics.speed import Speed
from detect.analytics.zones import Zones
from detect.types import Packet

from .synth import KITTI, box_at, kitti_camera, packet

KITTI_CAMERA = KITTI.model_dump(exclude_none=True)
DECLARED_KINDS = columns.EVENT_KINDS
DECLARED_NAMES = {value for name, value in vars(columns).items()
                  if name.isupper() and isinstance(value, str) and value not in DECLARED_KINDS}


def run_every_stage() -> list[Packet]:
    """Two cars closing in across a zone and a line, through every built-in analytics stage."""
    stages = [
        Distance(Distance.Params(camera=KITTI_CAMERA)),
        Collision(Collision.Params(camera=KITTI_CAMERA, confirm_frames=1)),
        Speed(Speed.Params(camera=KITTI_CAMERA, ego_speed_kmh=30)),
        Zones(Zones.Params(zones=[{"name": "road", "polygon": [(0, 0), (1242, 0), (1242, 376), (0, 376)]}],
                           min_hits=1)),
        Lines(Lines.Params(lines=[{"name": "near", "start": (1242, 250), "end": (0, 250)}], min_hits=1)),
    ]
    camera = kitti_camera()
    outs = []
    for i in range(20):
        p = packet(i, [box_at(camera, 25.0 - i), box_at(camera, 12.0 - i * 0.4, x=4.0)], ids=[1, 2])
        for stage in stages:
            p = stage.process(p)
        outs.append(p)
    return outs


def test_every_written_column_is_declared() -> None:
    written = {name for p in run_every_stage() for name in p.detections.data}
    assert written >= columns.DETECTION_COLUMNS | {columns.zone_column("road")}
    assert [name for name in written if not columns.is_declared_column(name)] == []


def test_every_event_kind_and_field_is_declared() -> None:
    events = [event for p in run_every_stage() for event in p.events]
    assert {event.kind for event in events} <= DECLARED_KINDS
    assert {field for event in events for field in event.payload} <= DECLARED_NAMES


def test_the_written_names_stay_as_files_have_them() -> None:
    """The constants name what is on disk: renaming one changes every jsonl and csv file."""
    assert sorted(columns.DETECTION_COLUMNS) == [
        "distance_m", "distance_method", "in_lane", "is_lead", "rel_speed_mps", "speed_mps", "ttc_s", "warning_level",
    ]
    assert columns.zone_column("road") == "zone_road"
