"""Detection AP through pycocotools: a hand-computed ranking, perfect predictions, ignore regions, class maps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import shared_data, tracking_dir

from detect.evaluation.boxes import IGNORE_REGION, TARGET, BoxTable
from detect.evaluation.classes import plan_classes
from detect.evaluation.detection_metrics import evaluate_detection
from detect.evaluation.ground_truth import read_ground_truth


def _ap(gt: BoxTable, pred: BoxTable, class_map: dict | None = None) -> dict:
    plan = plan_classes(gt, pred, class_map)
    return evaluate_detection(plan.gt, plan.pred, plan.classes).overall


def test_ap_hand_computed() -> None:
    """2 GT, 3 predictions ranked 0.9 (IoU 1 with GT 1), 0.8 (on nothing), 0.7 (IoU 0.62 with GT 2).

    At IoU thresholds 0.50, 0.55, 0.60 the ranking is TP, FP, TP: (recall, precision) = (.5, 1), (.5, .5), (1, 2/3).
    COCO interpolates precision at 101 recall points: 51 points (0..0.50) at 1.0, 50 points (0.51..1) at 2/3,
    so AP = (51 + 50 * 2/3) / 101 = 83.498 %.
    At the 7 thresholds 0.65..0.95 only the first is a TP: 51 points at 1.0 -> AP = 51/101 = 50.495 %.
    AP50-95 = (3 * 83.498 + 7 * 50.495) / 10 = 610 / 1010 = 60.396 %; AP75 = 50.495 %.
    """
    gt = BoxTable.build([0, 0], [[0, 0, 10, 10], [20, 20, 30, 30]], class_name="person")
    pred = BoxTable.build([0, 0, 0], [[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 36.2]],
                          class_name="person", score=[0.9, 0.8, 0.7])
    got = _ap(gt, pred)
    assert got["AP50"] == pytest.approx(100 * (51 + 50 * 2 / 3) / 101)
    assert got["AP75"] == pytest.approx(100 * 51 / 101)
    assert got["AP50-95"] == pytest.approx(100 * 610 / 1010)


def test_perfect_predictions_on_a_real_sequence() -> None:
    gt = read_ground_truth(tracking_dir() / "PETS09-S2L1")
    got = _ap(gt, gt.select(gt.role == TARGET))
    assert got == {"AP50": pytest.approx(100.0), "AP75": pytest.approx(100.0), "AP50-95": pytest.approx(100.0)}


def test_kitti_stills_with_vehicle_class_map() -> None:
    """COCO JSON ground truth fed back as predictions; Car and Truck merge into `vehicle` by the default map."""
    gt = read_ground_truth(shared_data() / "stills" / "kitti_object" / "annotations_coco.json")
    pred = gt.select(gt.role == TARGET).with_column("score", np.linspace(0.9, 0.5, int(np.sum(gt.role == TARGET))))
    plan = plan_classes(gt, pred)
    assert plan.classes == ("cyclist", "misc", "person", "vehicle")
    result = evaluate_detection(plan.gt, plan.pred, plan.classes)
    assert result.overall["AP50-95"] == pytest.approx(100.0)
    assert set(result.per_class) == set(plan.classes)


def test_prediction_inside_dontcare_region_is_not_a_false_positive() -> None:
    """Image 000001 has DontCare regions; a confident 'car' inside one costs nothing, unless the region is dropped."""
    gt = read_ground_truth(shared_data() / "stills" / "kitti_object" / "annotations_coco.json")
    targets = gt.select(gt.role == TARGET)
    inside = BoxTable.build([1], [[515.0, 176.0, 525.0, 186.0]], class_name="car", score=[0.99])
    pred = BoxTable.build(
        np.concatenate([targets.frame, inside.frame]), np.concatenate([targets.xyxy, inside.xyxy]),
        class_name=np.concatenate([targets.class_name, inside.class_name]), score=[0.5] * len(targets) + [0.99],
    )
    assert _ap(gt, pred)["AP50"] == pytest.approx(100.0)
    no_regions = gt.select(gt.role != IGNORE_REGION)
    assert _ap(no_regions, pred)["AP50"] < 100.0


def test_frames_without_ground_truth_still_count() -> None:
    """A prediction on a frame that has no boxes is a false positive (every frame is an image).

    Ranked FP (0.9) then TP (0.5): precision 1/2 at recall 1, so every one of the 101 points is 0.5 -> AP 50 %.
    """
    gt = BoxTable.build([0], [[0, 0, 10, 10]], class_name="person", num_frames=2)
    pred = BoxTable.build([0, 1], [[0, 0, 10, 10], [0, 0, 10, 10]], class_name="person", score=[0.5, 0.9])
    assert _ap(gt, pred)["AP50"] == pytest.approx(50.0)


def test_no_predictions() -> None:
    gt = BoxTable.build([0], [[0, 0, 10, 10]], class_name="person")
    got = _ap(gt, BoxTable.empty())
    assert got["AP50"] == 0.0 and got["AP50-95"] == 0.0


def test_class_without_ground_truth_is_undefined() -> None:
    gt = BoxTable.build([0], [[0, 0, 10, 10]], class_name="person")
    pred = BoxTable.build([0], [[0, 0, 10, 10]], class_name="person")
    result = evaluate_detection(gt, pred, ["person", "car"])
    assert math.isnan(result.per_class["car"]["AP50"])
    assert result.overall["AP50"] == pytest.approx(100.0)
