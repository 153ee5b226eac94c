"""Tracking metrics against independent references, hand-computed cases and perturbed real ground truth."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import require, tracking_dir

from detect.evaluation.boxes import IGNORE, IGNORE_REGION, TARGET, BoxTable
from detect.evaluation.classes import plan_classes
from detect.evaluation.ground_truth import read_ground_truth
from detect.evaluation.inputs import EvalInputError
from detect.evaluation.predictions import read_predictions
from detect.evaluation.tracking_metrics import evaluate_tracking

# py-motmetrics 1.4.0, motmetrics/tests/test_metrics.py::test_motchallenge_files (expected values, atol 1e-3):
# IDF1, IDP, IDR, Rcll, Prcn, GT ids, MT, PT, ML, FP, FN, IDSW, FM, MOTA, and motmetrics' MOTP,
# which is a mean distance 1 - IoU (so MOTChallenge's MOTP = 1 - that).
MOTMETRICS_EXPECTED = {
    "TUD-Campus": [0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201],
    "TUD-Stadtmitte": [0.644619, 0.819760, 0.531142, 0.608997, 0.939920, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014,
                       0.345904],
}
RATES = ["IDF1", "IDP", "IDR", "Recall", "Precision"]
COUNTS = ["GT_IDs", "MT", "PT", "ML", "FP", "FN", "IDSW", "Frag"]


def motmetrics_data() -> Path:
    """The MOTChallenge files py-motmetrics ships (found without importing it: it breaks on NumPy 2)."""
    spec = importlib.util.find_spec("motmetrics")
    locations = list(spec.submodule_search_locations or []) if spec else []
    package = Path(locations[0]) if locations else Path("motmetrics (not installed)")
    reference = require(package / "data" / "TUD-Campus" / "gt.txt",
                        "py-motmetrics reference data (pip install motmetrics==1.4.0: its wheel holds it)")
    return reference.parents[1]


def _score(gt: BoxTable, pred: BoxTable, **kwargs) -> dict:
    plan = plan_classes(gt, pred)
    return evaluate_tracking(plan.gt, plan.pred, plan.classes, **kwargs).overall


@pytest.mark.parametrize("sequence", sorted(MOTMETRICS_EXPECTED))
def test_reproduces_py_motmetrics_reference(sequence: str) -> None:
    """Their gt.txt/test.txt through OUR readers and metrics give py-motmetrics' published numbers."""
    gt = read_ground_truth(motmetrics_data() / sequence / "gt.txt")
    pred = read_predictions(motmetrics_data() / sequence / "test.txt")
    got = _score(gt, pred)
    expected = MOTMETRICS_EXPECTED[sequence]
    for name, value in zip(RATES, expected[:5]):
        assert got[name] == pytest.approx(100 * value, abs=0.1), name
    for name, value in zip(COUNTS, expected[5:13]):
        assert got[name] == value, name
    assert got["MOTA"] == pytest.approx(100 * expected[13], abs=0.1)
    assert got["MOTP"] == pytest.approx(100 * (1 - expected[14]), abs=0.1)


def _boxes(rows: list[tuple[int, int, list[float]]], **kwargs) -> BoxTable:
    return BoxTable.build([r[0] for r in rows], [r[2] for r in rows], track_id=[r[1] for r in rows],
                          class_name="person", **kwargs)


A, B, FAR = [0, 0, 10, 10], [100, 0, 110, 10], [300, 300, 310, 310]


def test_hota_hand_computed_association() -> None:
    """GT 1 on A and GT 2 on B in frames 0-2; pred 7 follows GT 1, pred 8 follows GT 2 in frames 0-1, pred 9
    takes GT 2 in frame 2, pred 5 is a false positive in frame 2. Every IoU is 1 or 0, so all alphas agree.

    DetA = TP / (TP + FN + FP) = 6 / 7.
    AssA = mean over the 6 TPs of TPA / (TPA + FNA + FPA):
      3 TPs (1,7): 3/3 = 1;  2 TPs (2,8): 2/(2+1) = 2/3;  1 TP (2,9): 1/(1+2) = 1/3
      -> (3 + 4/3 + 1/3) / 6 = 7/9.
    HOTA = sqrt(6/7 * 7/9) = sqrt(2/3) = 81.650 %.
    MOTA = 1 - (FN 0 + FP 1 + IDSW 1) / 6 = 66.667 %.
    IDF1: best id pairing 1-7 (3), 2-8 (2) -> IDTP 5, IDFN 1, IDFP 2 -> 10 / 13 = 76.923 %.
    """
    gt = _boxes([(t, 1, A) for t in range(3)] + [(t, 2, B) for t in range(3)])
    pred = _boxes([(t, 7, A) for t in range(3)] + [(0, 8, B), (1, 8, B), (2, 9, B), (2, 5, FAR)])
    got = _score(gt, pred)
    assert got["DetA"] == pytest.approx(100 * 6 / 7)
    assert got["AssA"] == pytest.approx(100 * 7 / 9)
    assert got["HOTA"] == pytest.approx(100 * np.sqrt(2 / 3))
    assert got["MOTA"] == pytest.approx(100 * 4 / 6)
    assert got["IDF1"] == pytest.approx(100 * 10 / 13)
    assert (got["IDSW"], got["FP"], got["FN"], got["TP"]) == (1, 1, 0, 6)


def test_hota_hand_computed_localisation() -> None:
    """One GT, one prediction, IoU 0.62: matched for the 12 alphas 0.05..0.60, unmatched for 0.65..0.95.

    Matched alphas: DetA = AssA = HOTA = 1; unmatched: TP 0, FN 1, FP 1 -> 0.
    HOTA = DetA = AssA = 12/19 = 63.158 %; CLEAR (IoU >= 0.5) sees a perfect match: MOTA 100, MOTP 62.
    """
    gt = _boxes([(0, 1, [0, 0, 10, 10])])
    pred = _boxes([(0, 1, [0, 0, 10, 6.2])])
    got = _score(gt, pred)
    for name in ("HOTA", "DetA", "AssA"):
        assert got[name] == pytest.approx(100 * 12 / 19), name
    assert got["MOTA"] == pytest.approx(100.0) and got["MOTP"] == pytest.approx(62.0)
    assert _score(gt, pred, iou=0.7)["MOTA"] == pytest.approx(-100.0)


def test_ignored_objects_and_regions_are_not_false_positives() -> None:
    """Frame 0: target A, ignore object B, ignore region R. Predictions on A (TP), B and inside R (dropped),
    half-on B (IoU 1/3 < 0.5: kept, FP) and on nothing (FP)."""
    region = [200, 0, 400, 100]
    gt = BoxTable.build([0, 0, 0], [A, B, region], track_id=[1, 2, -1], class_name="person",
                        role=[TARGET, IGNORE, IGNORE_REGION])
    on_b, inside_r, half_b, nothing = B, [250, 10, 260, 30], [105, 0, 115, 10], FAR
    pred = _boxes([(0, 1, A), (0, 2, on_b), (0, 3, inside_r), (0, 4, half_b), (0, 5, nothing)])
    got = _score(gt, pred)
    assert (got["TP"], got["FP"], got["FN"]) == (1, 2, 0)
    just_ab = _score(gt, pred.select(np.array([True, True, True, False, False])))
    assert just_ab["MOTA"] == just_ab["HOTA"] == just_ab["IDF1"] == pytest.approx(100.0)


@pytest.mark.parametrize("name,gt_file", [
    ("TUD-Stadtmitte", "gt_simple.csv"),
    ("PETS09-S2L1", "gt_simple.csv"),
    ("KITTI-17", "gt_simple.csv"),
    ("KITTI-17", "gt/gt.txt"),
])
def test_ground_truth_as_predictions_scores_perfectly(name: str, gt_file: str) -> None:
    """Targets fed back as predictions, plus a prediction on every ignored box and DontCare region: all 100."""
    gt = read_ground_truth(tracking_dir() / name / gt_file)
    on_ignored = _as_pedestrian_tracks(gt.select(np.isin(gt.role, (IGNORE, IGNORE_REGION))))
    pred = _concat(gt.select(gt.role == TARGET), on_ignored)
    got = _score(gt, pred)
    ignored = {"TUD-Stadtmitte": 0, "PETS09-S2L1": 174, "KITTI-17": 616 if "simple" in gt_file else 99}
    assert len(on_ignored) == ignored[name]
    for metric in ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "MOTP", "Recall", "Precision"):
        assert got[metric] == pytest.approx(100.0), metric
    assert (got["FP"], got["FN"], got["IDSW"]) == (0, 0, 0)


def test_distractors_in_a_crowd_are_ignored() -> None:
    """MOT16-11: 306 distractor boxes predicted as tracks are removed, not counted as FP."""
    gt = read_ground_truth(tracking_dir() / "MOT16-11")
    first_frames = gt.select(gt.frame < 300)
    distractors = _as_pedestrian_tracks(first_frames.select(first_frames.role == IGNORE))
    pred = _concat(first_frames.select(first_frames.role == TARGET), distractors)
    got = _score(first_frames, pred, num_frames=300)
    assert (got["FP"], got["FN"]) == (0, 0) and got["HOTA"] == pytest.approx(100.0)
    assert len(distractors) > 50
    without_ignore = first_frames.with_column("role", np.where(first_frames.role == IGNORE, "other", first_frames.role))
    assert _score(without_ignore, pred, num_frames=300)["FP"] == len(distractors)


def test_jittered_ground_truth_keeps_identity_but_loses_localisation() -> None:
    gt = read_ground_truth(tracking_dir() / "TUD-Stadtmitte")
    rng = np.random.default_rng(0)
    pred = gt.with_column("xyxy", gt.xyxy + rng.uniform(-3, 3, size=gt.xyxy.shape))
    got = _score(gt, pred)
    assert got["MOTA"] == got["IDF1"] == pytest.approx(100.0)
    assert got["IDSW"] == 0
    assert 80.0 < got["HOTA"] < 99.0 and got["LocA"] < 99.0


def test_dropped_boxes_are_misses() -> None:
    gt = read_ground_truth(tracking_dir() / "TUD-Stadtmitte")
    keep = np.arange(len(gt)) % 10 != 0
    got = _score(gt, gt.select(keep))
    missed = int(np.sum(~keep))
    assert got["FN"] == missed and got["FP"] == 0 and got["IDSW"] == 0
    assert got["MOTA"] == pytest.approx(100.0 * (1 - missed / len(gt)))
    assert got["Recall"] == pytest.approx(got["MOTA"]) and got["Precision"] == pytest.approx(100.0)


def test_swapped_ids_are_two_id_switches() -> None:
    gt = read_ground_truth(tracking_dir() / "TUD-Stadtmitte")
    frame = 90
    before = set(gt.track_id[gt.frame == frame - 1].tolist())
    both = sorted(before & set(gt.track_id[gt.frame == frame].tolist()))
    a, b = both[:2]
    swapped = gt.track_id.copy()
    later = gt.frame >= frame
    swapped[later & (gt.track_id == a)] = b
    swapped[later & (gt.track_id == b)] = a
    got = _score(gt, gt.with_column("track_id", swapped))
    assert got["IDSW"] == 2 and got["FP"] == got["FN"] == 0
    assert got["MOTA"] == pytest.approx(100.0 * (1 - 2 / len(gt)))
    assert got["IDF1"] < 100.0 and got["AssA"] < 100.0 and got["DetA"] == pytest.approx(100.0)


def test_two_classes_are_scored_separately_and_combined() -> None:
    gt = BoxTable.build([0, 0], [A, B], track_id=[1, 2], class_name=["person", "car"])
    pred = BoxTable.build([0, 0, 0], [A, B, FAR], track_id=[1, 2, 3], class_name=["person", "car", "car"])
    plan = plan_classes(gt, pred, class_map={})
    result = evaluate_tracking(plan.gt, plan.pred, plan.classes)
    assert set(result.per_class) == {"car", "person"}
    assert result.per_class["person"]["MOTA"] == pytest.approx(100.0)
    assert result.per_class["car"]["FP"] == 1
    assert result.overall["TP"] == 2 and result.overall["FP"] == 1
    assert result.overall["MOTA"] == pytest.approx(50.0)


def test_duplicate_track_id_in_a_frame_is_refused() -> None:
    gt = _boxes([(0, 1, A)])
    pred = _boxes([(0, 4, A), (0, 4, B)], source="dup.txt")
    with pytest.raises(EvalInputError, match="dup.txt: track id 4 appears twice in frame 0"):
        _score(gt, pred)


def test_no_predictions_means_all_misses() -> None:
    gt = _boxes([(0, 1, A), (1, 1, A)])
    got = _score(gt, BoxTable.empty())
    assert got["FN"] == 2 and got["MOTA"] == 0.0 and got["HOTA"] == 0.0


def _as_pedestrian_tracks(rows: BoxTable) -> BoxTable:
    """Boxes predicted as pedestrians with fresh ids, so only the ignore rule (not the class filter) can drop them."""
    named = rows.with_column("class_name", np.full(len(rows), "pedestrian", dtype=object))
    return named.with_column("track_id", np.arange(len(rows), dtype=np.int64) + 10_000)


def _concat(a: BoxTable, b: BoxTable) -> BoxTable:
    return BoxTable.build(
        np.concatenate([a.frame, b.frame]), np.concatenate([a.xyxy, b.xyxy]),
        track_id=np.concatenate([a.track_id, b.track_id]), class_name=np.concatenate([a.class_name, b.class_name]),
    )
