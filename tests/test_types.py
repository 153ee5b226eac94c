import numpy as np
import pytest

from detect.types import Detections, Frame


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
