"""Class maps: bring ground-truth and predicted class names into one vocabulary, pick what is scored,
and hold the metrics per class.

One map applies to both sides (names compared lower-case), so `{"pedestrian": "person"}`
and `{"person": "pedestrian"}` both make a COCO detector's `person` meet MOT's `pedestrian`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from detect.evaluation.boxes import OTHER, TARGET, BoxTable
from detect.evaluation.inputs import EvalInputError

DEFAULT_CLASS_MAP: dict[str, str] = {
    "pedestrian": "person",
    "car": "vehicle",
    "van": "vehicle",
    "truck": "vehicle",
    "bus": "vehicle",
}
"""Used when no map is given: MOT/KITTI pedestrians are COCO persons; cars, vans, trucks, buses are vehicles."""

CLASS_AGNOSTIC = "object"
"""The evaluated class when predictions name no class and the ground truth has several."""


@dataclass(frozen=True)
class ClassPlan:
    """What gets scored: ground truth and predictions renamed, and the evaluated classes."""

    gt: BoxTable
    pred: BoxTable
    classes: tuple[str, ...]
    unevaluated_gt_classes: tuple[str, ...]
    ignored_pred_classes: tuple[str, ...]
    class_agnostic: bool = False


@dataclass(frozen=True)
class ClassMetrics:
    """Metric values: `overall` combines the classes, `per_class` has one entry per class.

    Rates are percentages (0-100, as benchmarks print them); counts are ints.
    Tracking metrics combine by summing detections over classes (TrackEval's
    "det-averaged"); AP combines as COCO's mAP, the mean over classes.
    """

    overall: dict[str, float | int]
    per_class: dict[str, dict[str, float | int]] = field(default_factory=dict)


def map_class_names(names: np.ndarray, class_map: Mapping[str, str]) -> np.ndarray:
    """Lower-case each name, then replace it by its mapped name where the map has one."""
    lowered = {k.lower(): v.lower() for k, v in class_map.items()}
    out = np.empty(len(names), dtype=object)
    out[:] = [lowered.get(str(n).lower(), str(n).lower()) for n in names]
    return out


def plan_classes(
    gt: BoxTable,
    pred: BoxTable,
    class_map: Mapping[str, str] | None = None,
    classes: Iterable[str] | None = None,
) -> ClassPlan:
    """Rename both sides and choose the evaluated classes.

    Evaluated classes are `classes` if given, else the ground-truth target classes
    that the predictions also name. Predictions without class names make the
    evaluation class-agnostic: the chosen targets count as one class (named after
    it if there is one, else "object"). GT targets of a class not evaluated become
    OTHER (absent); predictions of such a class are dropped.
    """
    class_map = DEFAULT_CLASS_MAP if class_map is None else class_map
    gt = gt.with_column("class_name", map_class_names(gt.class_name, class_map))
    pred = pred.with_column("class_name", map_class_names(pred.class_name, class_map))
    gt_classes = sorted(set(gt.class_name[gt.role == TARGET].tolist()))
    pred_classes = sorted(set(pred.class_name.tolist())) if pred.has_classes else []
    if not gt_classes and classes is None:
        raise EvalInputError(f"{gt.source or 'ground truth'}: no target boxes, nothing to score")
    if classes is not None:
        chosen = tuple(sorted({c.lower() for c in classes}))
    elif pred.has_classes:
        chosen = tuple(c for c in gt_classes if c in pred_classes)
    else:
        chosen = tuple(gt_classes)
    if not chosen:
        example = f", e.g. --class-map {pred_classes[0]}={gt_classes[0]}" if pred_classes and gt_classes else ""
        raise EvalInputError(
            f"no class in common between ground truth ({', '.join(gt_classes)}) and predictions "
            f"({', '.join(pred_classes)}); pass a class map{example}"
        )
    demoted = (gt.role == TARGET) & ~np.isin(gt.class_name, chosen)
    gt = gt.with_column("role", np.where(demoted, OTHER, gt.role).astype(object))
    unevaluated = tuple(c for c in gt_classes if c not in chosen)
    if not pred.has_classes:
        name = chosen[0] if len(chosen) == 1 else CLASS_AGNOSTIC
        gt = gt.with_column("class_name", _filled(len(gt), name))
        pred = pred.with_column("class_name", _filled(len(pred), name))
        return ClassPlan(gt, pred, (name,), unevaluated, (), class_agnostic=True)
    pred = pred.select(np.isin(pred.class_name, chosen))
    ignored = tuple(c for c in pred_classes if c not in chosen)
    return ClassPlan(gt, pred, chosen, unevaluated, ignored)


def _filled(n: int, value: str) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = value
    return out
