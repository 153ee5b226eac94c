import numpy as np

from detect.annotators.boxes import BoxAnnotator
from detect.annotators.labels import LabelAnnotator, label_text
from detect.annotators.trails import TrailAnnotator
from detect.trackers.ultralytics_trackers import BoTSORT, ByteTrack, NoTracker
from detect.types import Detections, Frame, Packet


def moving(i: int, n: int = 2) -> Detections:
    xs = np.array([10 + 3 * i, 100 - 2 * i][:n], np.float32)
    xyxy = np.stack([xs, np.full(n, 20.0), xs + 30, np.full(n, 60.0)], axis=1).astype(np.float32)
    return Detections(xyxy=xyxy, confidence=np.full(n, 0.9, np.float32), class_id=np.arange(n))


def frame(i: int) -> Frame:
    return Frame(image=np.zeros((120, 160, 3), np.uint8), index=i, pts_s=i / 10, source_id="s")


def test_bytetrack_keeps_ids_while_objects_move():
    tracker = ByteTrack(ByteTrack.Params())
    seen = [tracker.update(moving(i), frame(i)).tracker_id.tolist() for i in range(10)]
    assert seen[0] == seen[2] == seen[-1] == [1, 2]


def test_tracker_keeps_detector_boxes_and_marks_untracked():
    tracker = ByteTrack(ByteTrack.Params())
    dets = moving(0)
    weak = Detections(dets.xyxy, np.array([0.9, 0.05], np.float32), dets.class_id)
    out = tracker.update(weak, frame(0))
    np.testing.assert_array_equal(out.xyxy, dets.xyxy)
    assert out.tracker_id.tolist()[1] == -1


def test_botsort_and_none():
    tracker = BoTSORT(BoTSORT.Params(gmc_method="none"))
    ids = [tracker.update(moving(i), frame(i)).tracker_id.tolist() for i in range(5)]
    assert ids[-1] == ids[2] and -1 not in ids[-1]
    assert NoTracker(NoTracker.Params()).update(moving(0), frame(0)).tracker_id is None


def test_annotators_draw_inside_boxes():
    tracker = ByteTrack(ByteTrack.Params())
    trails = TrailAnnotator(TrailAnnotator.Params(length=5))
    canvas = None
    for i in range(6):
        dets = tracker.update(moving(i, 1), frame(i))
        packet = Packet(frame=frame(i), detections=dets, labels=("car",))
        canvas = np.zeros((120, 160, 3), np.uint8)
        for annotator in (BoxAnnotator(BoxAnnotator.Params()), LabelAnnotator(LabelAnnotator.Params()), trails):
            canvas = annotator.annotate(canvas, packet)
    assert canvas[20, 30:55].any()
    assert canvas[40, 10:40].any()
    assert not canvas[100:, :].any()
    assert label_text("car", 0.876, 3, True, True) == "#3 car 0.88"
    assert label_text("car", 0.876, None, False, True) == "car"
