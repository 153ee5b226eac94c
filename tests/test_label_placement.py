"""Where text goes: tags stay in the frame, never overlap, shorten then drop in a crowd; the HUD's
panel is claimed first and drawn last; trails hang only from boxes on screen; captions are
backed and claimed."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from detect.annotators.boxes import BoxAnnotator
from detect.annotators.hud import HudAnnotator
from detect.annotators.labels import LabelAnnotator, priority_order, shorter_texts
from detect.annotators.layout import CanvasLayout, Rect, around_box
from detect.annotators.text import legible_scale
from detect.annotators.trails import TrailAnnotator
from detect.annotators.zones import ZonesAnnotator
from detect.columns import DISTANCE_M, EGO_LANE, KIND, POLYGON, ZONE, ZONE_CONFIG
from detect.types import Detections, Event, Frame, Packet

W, H = 640, 360
LABELS = ("person", "car", "truck")


def packet(boxes, ids=None, conf=None, classes=None, data=None) -> Packet:
    n = len(boxes)
    dets = Detections(
        xyxy=np.array(boxes, np.float32).reshape(n, 4),
        confidence=np.array(conf if conf is not None else [0.9] * n, np.float32),
        class_id=np.array(classes if classes is not None else [1] * n, np.int64),
        tracker_id=None if ids is None else np.array(ids, np.int64),
        data=data or {},
    )
    frame = Frame(image=np.zeros((H, W, 3), np.uint8), index=0, pts_s=0.0, source_id="test")
    return Packet(frame=frame, detections=dets, labels=LABELS, layout=CanvasLayout(W, H))


def draw_labels(p: Packet, **params) -> tuple[np.ndarray, list[Rect]]:
    canvas = np.zeros((H, W, 3), np.uint8)
    LabelAnnotator(LabelAnnotator.Params(**params)).annotate(canvas, p)
    return canvas, p.layout.rects("label")


def assert_apart_and_inside(rects: list[Rect]) -> None:
    for rect in rects:
        assert rect.inside(W, H), rect
    for a, b in itertools.combinations(rects, 2):
        assert not a.overlaps(b), (a, b)


def test_a_tag_at_the_right_edge_slides_left_into_the_frame():
    canvas, [rect] = draw_labels(packet([(600, 100, 640, 200)], ids=[12345]))
    assert rect.x2 <= W and rect.x1 < 600
    assert rect.y2 == 100, "above the box when there is room"
    assert canvas[rect.y1:rect.y2, rect.x1:rect.x2].any(), "the tag is painted where it was claimed"


def test_a_box_at_the_top_gets_its_tag_below():
    _, [rect] = draw_labels(packet([(50, 0, 200, 80)], ids=[1]))
    assert rect.y1 == 80


def test_stacked_boxes_get_separate_tags():
    queue = [(100, 100, 300, 150), (100, 150, 300, 200), (100, 200, 300, 250)]
    _, rects = draw_labels(packet(queue, ids=[1, 2, 3]))
    assert len(rects) == 3
    assert_apart_and_inside(rects)
    same = [(100, 100, 300, 250)] * 3 + [(102, 104, 298, 252)]
    _, rects = draw_labels(packet(same, ids=[1, 2, 3, 4]))
    assert len(rects) >= 3, "above, below and inside"
    assert_apart_and_inside(rects)


def test_a_crowd_shortens_then_drops_tags_and_the_biggest_box_keeps_its_full_tag():
    small = [(300 + 6 * i, 150, 312 + 6 * i, 160) for i in range(12)]
    big = (280, 40, 420, 148)
    p = packet([*small, big], ids=list(range(1, 14)), conf=[0.4] * 12 + [0.8])
    canvas, rects = draw_labels(p)
    assert_apart_and_inside(rects)
    assert len(rects) < 13, "some far boxes lose their tag"
    first = p.layout.claims[0].rect
    assert first.y2 == 40, "the big box is labelled first, above itself"
    tag = canvas[first.y1:first.y2, first.x1:first.x2]
    widths = sorted(r.width for r in rects)
    assert first.width == widths[-1] and widths[0] < first.width, "others were shortened"
    assert tag.any()


def test_shorter_texts_drop_confidence_then_class():
    assert shorter_texts("car", 0.86, 2, True, True) == ["#2 car 0.86", "#2 car", "#2"]
    assert shorter_texts("car", 0.86, None, True, True) == ["car 0.86", "car"]
    assert shorter_texts("car", 0.86, -1, False, True) == ["car"]


def test_priority_prefers_big_confident_boxes():
    xyxy = np.array([[0, 0, 10, 10], [0, 0, 100, 100], [0, 0, 100, 100]], np.float32)
    assert priority_order(xyxy, np.array([0.9, 0.3, 0.6], np.float32)).tolist() == [2, 1, 0]


def test_candidates_stay_in_the_frame_horizontally():
    for rect in around_box((-30, 50, 20, 90), 60, 15, W):
        assert rect.x1 == 0 and rect.x2 == 60


def test_text_is_raised_to_a_legible_size_on_large_frames():
    assert legible_scale(0.5, 376) == 0.5
    assert legible_scale(0.5, 2160) > 1.0
    assert legible_scale(0.1, 200) * 22 >= 9


def test_labels_keep_clear_of_the_hud_panel_it_reserved():
    data = {DISTANCE_M: np.array([12.0, 30.0], np.float32)}
    p = packet([(5, 30, 200, 200), (220, 30, 300, 120)], ids=[1, 2], data=data)
    hud = HudAnnotator(HudAnnotator.Params())
    hud.reserve(p)
    [panel] = p.layout.rects("hud")
    canvas, rects = draw_labels(p)
    assert rects and not any(r.overlaps(panel) for r in rects)
    hud.annotate(canvas, p)
    assert p.layout.rects("hud") == [panel], "annotate used the reserved panel, not a second one"
    assert canvas[panel.y1 + 2:panel.y2 - 2, panel.x1 + 8:panel.x2 - 2].max() > 200, "text on the panel"


def test_hud_alone_claims_its_panel_and_darkens_the_frame_under_it():
    data = {DISTANCE_M: np.array([12.0], np.float32)}
    p = dataclasses.replace(packet([(300, 100, 400, 200)], ids=[1], data=data), layout=None)
    canvas = np.full((H, W, 3), 200, np.uint8)
    HudAnnotator(HudAnnotator.Params()).annotate(canvas, p)
    corner = canvas[11:13, 17:19]
    assert corner.max() <= 200 * 0.2, "the panel is nearly opaque"


def test_trails_are_drawn_only_for_tracks_on_screen():
    trails = TrailAnnotator(TrailAnnotator.Params(length=5))
    for x in (100, 120, 140):
        trails.annotate(np.zeros((H, W, 3), np.uint8), packet([(x, 100, x + 40, 140), (400, 200 + x, 440, 240 + x)],
                                                             ids=[1, 2]))
    canvas = np.zeros((H, W, 3), np.uint8)
    trails.annotate(canvas, packet([(160, 100, 200, 140)], ids=[1]))
    assert canvas[115:125, 130:185].any(), "track 1's trail"
    assert not canvas[:, 380:].any(), "track 2 left the screen: no trail hanging in the air"


def test_captions_are_backed_claimed_and_kept_off_the_boxes():
    lane = [[200, 359], [440, 359], [330, 150], [310, 150]]
    event = Event(kind=ZONE_CONFIG, frame=0, pts=0.0, payload={ZONE: "ego", KIND: EGO_LANE, POLYGON: lane})
    p = dataclasses.replace(packet([(280, 300, 360, 359)], ids=[1]), events=(event,))
    canvas = np.full((H, W, 3), 255, np.uint8)
    ZonesAnnotator(ZonesAnnotator.Params()).annotate(canvas, p)
    [caption] = p.layout.rects("caption")
    assert not caption.overlaps(Rect(280, 300, 360, 359))
    inside = canvas[caption.y1 + 1:caption.y2 - 1, caption.x1 + 1:caption.x2 - 1]
    assert (inside.max(axis=2) < 60).mean() > 0.5, "a dark backing box under the text"


def test_text_placed_before_lines_is_painted_over_them():
    """In the pipeline the layout is deferred: a box drawn after the labels never crosses a tag."""
    p = dataclasses.replace(packet([(100, 100, 300, 250)], ids=[7]), layout=CanvasLayout(W, H, deferred=True))
    canvas = np.zeros((H, W, 3), np.uint8)
    LabelAnnotator(LabelAnnotator.Params()).annotate(canvas, p)
    [tag] = p.layout.rects("label")
    assert not canvas.any(), "nothing painted before the layout is"
    crossing = packet([(tag.x1 + 10, tag.y1 - 20, tag.x1 + 30, tag.y2 + 20)], ids=[3])
    BoxAnnotator(BoxAnnotator.Params(thickness=3)).annotate(canvas, crossing)
    p.layout.paint(canvas)
    alone = np.zeros_like(canvas)
    LabelAnnotator(LabelAnnotator.Params()).annotate(alone, dataclasses.replace(p, layout=None))
    region = np.s_[tag.y1:tag.y2, tag.x1:tag.x2]
    assert np.array_equal(canvas[region], alone[region]), "the tag is whole, the box line under it"


def test_distance_on_tags_and_dropped_before_the_class_name() -> None:
    from detect.annotators.labels import shorter_texts

    texts = shorter_texts("car", 0.81, 7, True, True, 34.4)
    assert texts == ["#7 car 0.81 34 m", "#7 car 34 m", "#7 car", "#7"]
    assert shorter_texts("car", 0.81, 7, True, True, float("nan"))[0] == "#7 car 0.81"
