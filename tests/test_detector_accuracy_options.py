"""The detector options accurate.yaml uses to find more people and place them better (README: Tracking
accuracy): `imgsz: native`, `min_height` and flip test-time augmentation, on known answers and real frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import tracking_dir
from supervision import box_iou_batch

from detect.detectors import flip_tta
from detect.detectors.letterbox import native_long_side
from detect.detectors.ultralytics_yolo import UltralyticsDetector
from detect.errors import ConfigError
from detect.types import Detections, SourceInfo


def detector(**params) -> UltralyticsDetector:
    return UltralyticsDetector(UltralyticsDetector.Params(model="yolo11n.pt", classes=["person"], **params))


def opened(image: np.ndarray, **params) -> UltralyticsDetector:
    h, w = image.shape[:2]
    d = detector(**params)
    d.open(SourceInfo(width=w, height=h, fps=25.0, total_frames=None, source_id="test"))
    return d


def boxes(xyxy: list[list[float]], conf: list[float], cls: list[int] | None = None) -> Detections:
    return Detections(xyxy=np.array(xyxy, np.float32).reshape(-1, 4), confidence=np.array(conf, np.float32),
                      class_id=np.array(cls if cls is not None else [0] * len(conf), np.int64))


@pytest.mark.parametrize(("height", "width", "shape"), [
    (1080, 1920, (736, 1280)),   # capped at max_imgsz: 1280 wide, 720 rounded up to a multiple of 32
    (375, 1242, (384, 1248)),    # its own size, each side rounded up to a multiple of 32
    (370, 1224, (384, 1248)),    # KITTI-17
    (480, 640, (480, 640)),      # already 640: unchanged
    (240, 320, (480, 640)),      # enlarged to 640, the size the model was trained at
])
def test_native_imgsz_infers_at_the_frame_size_up_to_the_cap(height, width, shape):
    assert detector(imgsz="native")._input_shape(height, width) == shape
    assert detector(imgsz="native", rect=False)._input_shape(height, width) == (shape[1], shape[1])


def test_native_imgsz_cap_is_a_setting():
    assert native_long_side(1080, 1920, cap=960) == 960
    assert detector(imgsz="native", max_imgsz=960)._input_shape(1080, 1920) == (544, 960)
    assert detector(imgsz=640)._input_shape(1080, 1920) == (384, 640)


def test_unmirrored_head_output_reflects_only_the_centre_x():
    raw = np.zeros((1, 6, 3), np.float32)
    raw[0, :4, 0] = [100, 50, 20, 40]
    raw[0, 4:, 0] = [0.9, 0.1]
    out = flip_tta.unmirror(raw, 640)
    assert out[0, :, 0].tolist() == pytest.approx([540, 50, 20, 40, 0.9, 0.1])


def test_a_box_and_its_mirrored_twin_fuse_to_the_score_weighted_mean():
    person = [100.0, 50.0, 150.0, 200.0]
    fused = flip_tta.fuse([boxes([person], [0.8]), boxes([person], [0.6])], (480, 640), iou=0.55, conf=0.2)
    assert len(fused) == 1
    assert fused.xyxy[0] == pytest.approx(person, abs=0.01)
    wider = flip_tta.fuse([boxes([person], [0.6]), boxes([[100.0, 50.0, 160.0, 200.0]], [0.2])], (480, 640),
                          iou=0.55, conf=0.1)
    assert wider.xyxy[0] == pytest.approx([100, 50, 152.5, 200], abs=0.01)


def test_boxes_that_do_not_overlap_enough_or_differ_in_class_stay_apart():
    a, b = [0.0, 0.0, 100.0, 100.0], [60.0, 0.0, 160.0, 100.0]   # IoU 0.25
    assert len(flip_tta.fuse([boxes([a], [0.9]), boxes([b], [0.9])], (480, 640), iou=0.55, conf=0.0)) == 2
    assert len(flip_tta.fuse([boxes([a], [0.9], [0]), boxes([a], [0.9], [2])], (480, 640), iou=0.55, conf=0.0)) == 2
    assert len(flip_tta.fuse([Detections.empty(), Detections.empty()], (480, 640), iou=0.55, conf=0.0)) == 0


def test_min_height_drops_short_boxes_of_the_classes_named():
    d = detector(min_height={"person": 50})
    d.labels = ("person", "bicycle", "car")
    d._min_height = d._height_floor()
    small = boxes([[0, 0, 10, 40], [0, 0, 10, 60], [0, 0, 10, 20]], [0.9, 0.9, 0.9], [0, 0, 2])
    kept = d._drop_small(small)
    assert kept.xyxy[:, 3].tolist() == [60, 20]
    everything = detector(min_height=30)
    everything.labels = d.labels
    everything._min_height = everything._height_floor()
    assert everything._drop_small(small).xyxy[:, 3].tolist() == [40, 60]


def test_min_height_names_an_unknown_class(models_dir):
    with pytest.raises(ConfigError, match="min_height: unknown class 'persn'"):
        detector(min_height={"persn": 50}).check()


def test_flip_tta_sees_a_mirrored_frame_as_the_mirror_of_the_frame(models_dir):
    """Both looks of the mirrored frame are the two looks of the frame, swapped: the fused boxes mirror."""
    image = cv2.imread(str(tracking_dir() / "TUD-Stadtmitte" / "img1" / "000001.jpg"))
    d = opened(image, tta="flip", conf=0.3)
    plain, mirrored = d.detect([image])[0], d.detect([np.ascontiguousarray(image[:, ::-1])])[0]
    assert len(plain) >= 5
    width = image.shape[1]
    back = mirrored.xyxy[:, [2, 1, 0, 3]] * [-1, 1, -1, 1] + [width, 0, width, 0]
    order = np.argsort(plain.xyxy[:, 0]), np.argsort(back[:, 0])
    assert np.allclose(plain.xyxy[order[0]], back[order[1]], atol=1.0)
    single = opened(image, conf=0.3).detect([image])[0]
    assert np.median(box_iou_batch(plain.xyxy, single.xyxy).max(1)) > 0.9


def test_native_imgsz_finds_the_small_people_640_misses_and_min_height_drops_them(models_dir):
    """KITTI-17 frame 101: people at a cafe 20-45 px tall, which KITTI leaves unlabelled (DontCare)."""
    image = cv2.imread(str(tracking_dir() / "KITTI-17" / "img1" / "000101.jpg"))
    heights = {name: (det.xyxy[:, 3] - det.xyxy[:, 1]) for name, det in (
        ("640", opened(image, conf=0.2).detect([image])[0]),
        ("native", opened(image, conf=0.2, imgsz="native").detect([image])[0]),
        ("floored", opened(image, conf=0.2, imgsz="native", min_height={"person": 50}).detect([image])[0]))}
    assert (heights["native"] < 50).sum() >= (heights["640"] < 50).sum() + 3
    assert (heights["floored"] >= 50).all() and (heights["native"] >= 50).sum() == len(heights["floored"])
