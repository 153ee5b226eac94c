import numpy as np
import pytest

from detect.columns import (
    CLASS_NAME,
    LEAD_VEHICLE,
    LIVE_SOURCE,
    SOURCE,
    TRACK_ID,
    ZONE,
    ZONE_CONFIG,
    ZONE_ENTER,
)
from detect.types import NO_TRACK, Detections, Event, Frame


def dets(n: int) -> Detections:
    return Detections(
        xyxy=np.arange(n * 4, dtype=np.float32).reshape(n, 4),
        confidence=np.linspace(0.1, 0.9, n, dtype=np.float32),
        class_id=np.arange(n),
        tracker_id=np.arange(n) + 10,
    )


def test_boolean_and_index_selection_keep_columns_aligned():
    d = dets(4)
    picked = d[d.confidence > 0.5]
    assert len(picked) == 2
    assert picked.tracker_id.tolist() == [12, 13]
    assert d[np.array([3, 0])].class_id.tolist() == [3, 0]


@pytest.mark.parametrize("key", ["xyxy", 0])
def test_string_and_int_keys_are_refused(key):
    with pytest.raises(TypeError, match="boolean or index-array"):
        dets(2)[key]


@pytest.mark.parametrize("field,value,message", [
    ("xyxy", np.zeros((2, 3), np.float32), r"xyxy must be \(N, 4\)"),
    ("confidence", np.zeros(3, np.float32), r"confidence must be \(2,\)"),
    ("tracker_id", np.zeros(1, np.int64), r"tracker_id must be \(2,\)"),
])
def test_shape_checks(field, value, message):
    kwargs = {"xyxy": np.zeros((2, 4), np.float32), "confidence": np.zeros(2, np.float32),
              "class_id": np.zeros(2, np.int64), field: value}
    with pytest.raises(ValueError, match=message):
        Detections(**kwargs)


def test_empty_and_frame_checks():
    assert len(Detections.empty()) == 0
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        Frame(image=np.zeros((4, 4), np.uint8), index=0, pts_s=0.0, source_id="x")
    frame = Frame(image=np.zeros((4, 6, 3), np.uint8), index=1, pts_s=0.5, source_id="x")
    assert (frame.width, frame.height) == (6, 4)


def test_event_record_puts_the_subject_before_the_track():
    enter = Event(ZONE_ENTER, frame=3, pts=0.3, track=7, payload={ZONE: "gate", CLASS_NAME: "car"})
    assert list(enter.to_record().items()) == [
        ("event", ZONE_ENTER), ("frame", 3), ("pts", 0.3), (ZONE, "gate"), (TRACK_ID, 7), (CLASS_NAME, "car"),
    ]


def test_event_record_header_follows_what_is_known():
    left = Event(LEAD_VEHICLE, frame=1, pts=0.1, track=NO_TRACK, payload={CLASS_NAME: None})
    assert left.to_record() == {"event": LEAD_VEHICLE, "frame": 1, "pts": 0.1, TRACK_ID: None, CLASS_NAME: None}
    source = Event(LIVE_SOURCE, frame=None, pts=None, payload={SOURCE: "cam"})
    assert list(source.to_record()) == ["event", SOURCE]


def test_event_payload_is_read_only():
    payload = {ZONE: "a"}
    event = Event(ZONE_CONFIG, frame=0, pts=0.0, payload=payload)
    payload[ZONE] = "b"
    assert event.payload[ZONE] == "a"
    with pytest.raises(TypeError):
        event.payload[ZONE] = "c"  # type: ignore[index]
