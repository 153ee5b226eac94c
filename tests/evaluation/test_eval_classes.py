"""Class maps: one vocabulary for both sides, and which classes get scored."""

from __future__ import annotations

import numpy as np
import pytest

from detect.evaluation.boxes import OTHER, TARGET, BoxTable
from detect.evaluation.classes import CLASS_AGNOSTIC, map_class_names, plan_classes
from detect.evaluation.inputs import EvalInputError

BOX = [[0, 0, 10, 10]]


def _gt(*names: str) -> BoxTable:
    return BoxTable.build(range(len(names)), BOX * len(names), track_id=range(len(names)), class_name=list(names))


def test_map_applies_to_both_directions() -> None:
    names = np.array(["Pedestrian", "Car", "person"], dtype=object)
    assert map_class_names(names, {"pedestrian": "person"}).tolist() == ["person", "car", "person"]
    assert map_class_names(names, {"Person": "Pedestrian"}).tolist() == ["pedestrian", "car", "pedestrian"]


def test_default_map_meets_coco_names_with_kitti_and_mot_names() -> None:
    gt = _gt("Pedestrian", "Car", "Van", "Cyclist")
    pred = _gt("person", "truck", "bus")
    plan = plan_classes(gt, pred)
    assert plan.classes == ("person", "vehicle")
    assert plan.unevaluated_gt_classes == ("cyclist",)
    assert plan.gt.role.tolist() == [TARGET, TARGET, TARGET, OTHER]


def test_predicted_classes_absent_from_ground_truth_are_dropped() -> None:
    plan = plan_classes(_gt("pedestrian"), _gt("person", "dog"))
    assert plan.ignored_pred_classes == ("dog",) and len(plan.pred) == 1


def test_classless_predictions_are_scored_class_agnostic() -> None:
    pred = BoxTable.build([0], BOX, track_id=[1])
    single = plan_classes(_gt("pedestrian"), pred)
    assert single.class_agnostic and single.classes == ("person",)
    several = plan_classes(_gt("pedestrian", "cyclist"), pred)
    assert several.classes == (CLASS_AGNOSTIC,) and set(several.gt.class_name) == {CLASS_AGNOSTIC}
    restricted = plan_classes(_gt("pedestrian", "cyclist"), pred, classes=["person"])
    assert restricted.classes == ("person",) and restricted.unevaluated_gt_classes == ("cyclist",)
    assert restricted.gt.role.tolist() == [TARGET, OTHER]


def test_nothing_in_common_suggests_a_class_map() -> None:
    with pytest.raises(EvalInputError, match="--class-map walker=person"):
        plan_classes(_gt("pedestrian"), _gt("walker"))


def test_ground_truth_without_targets_is_refused() -> None:
    gt = BoxTable.build([0], BOX, role="ignore", source="empty.csv")
    with pytest.raises(EvalInputError, match="empty.csv: no target boxes"):
        plan_classes(gt, _gt("person"))
