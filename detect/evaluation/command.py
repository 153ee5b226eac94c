"""`detect eval`: score an existing tracking/detection output against ground truth and print the metrics.

The CLI builds its parser from `add_eval_arguments` on every call, so this module imports
no metric library at import time (TrackEval and pycocotools load when scoring starts).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from detect.evaluation.boxes import BoxTable
from detect.evaluation.classes import DEFAULT_CLASS_MAP, plan_classes
from detect.evaluation.detection_metrics import evaluate_detection
from detect.evaluation.ground_truth import read_ground_truth
from detect.evaluation.inputs import EvalInputError
from detect.evaluation.predictions import read_predictions
from detect.evaluation.tracking_metrics import evaluate_tracking
from detect.json_values import plain

HEADLINE = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "MOTP", "Recall", "Precision", "FP", "FN",
            "AP50", "AP50-95")
"""The order metrics are printed in; anything else is only in --json."""


def run_eval(
    gt: str,
    pred: str,
    class_map: Mapping[str, str] | None = None,
    iou: float = 0.5,
    classes: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Read both files, score them, return everything as plain JSON-able values (rates in percent).

    `class_map` renames classes on both sides (None = `DEFAULT_CLASS_MAP`);
    `classes` restricts which (mapped) classes are scored; `iou` is the CLEAR/IDF1
    threshold. Tracking metrics need track ids; detection AP needs none.
    """
    _check_iou(iou)
    scored = score_tables(read_ground_truth(gt), read_predictions(pred), class_map, iou, classes)
    return {"gt": str(gt), "pred": str(pred), **scored}


def score_tables(
    truth: BoxTable,
    predictions: BoxTable,
    class_map: Mapping[str, str] | None = None,
    iou: float = 0.5,
    classes: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`run_eval` on tables already in memory (`detect bench` scores a cropped window of a sequence)."""
    _check_iou(iou)
    check_frame_alignment(truth, predictions)
    plan = plan_classes(truth, predictions, class_map, classes)
    frames = max(truth.frame_count, predictions.frame_count)
    metrics: dict[str, Any] = {}
    per_class: dict[str, dict[str, Any]] = {name: {} for name in plan.classes}
    if plan.pred.has_tracks:
        tracking = evaluate_tracking(plan.gt, plan.pred, plan.classes, iou=iou, num_frames=frames)
        metrics.update(tracking.overall)
        for name, values in tracking.per_class.items():
            per_class[name].update(values)
    detection = evaluate_detection(plan.gt, plan.pred, plan.classes)
    metrics.update(detection.overall)
    for name, values in detection.per_class.items():
        per_class[name].update(values)
    return {
        "frames": frames,
        "iou": iou,
        "classes": list(plan.classes),
        "class_agnostic": plan.class_agnostic,
        "tracked": plan.pred.has_tracks,
        "unevaluated_gt_classes": list(plan.unevaluated_gt_classes),
        "ignored_pred_classes": list(plan.ignored_pred_classes),
        "metrics": metrics,
        "per_class": per_class,
    }


def _check_iou(iou: float) -> None:
    if not 0.0 < iou <= 1.0:
        raise EvalInputError(f"--iou must be in (0, 1], got {iou}")


def check_frame_alignment(gt: BoxTable, pred: BoxTable) -> None:
    """Refuse predictions past the last ground-truth frame: almost always a 0- vs 1-based mix-up."""
    if gt.num_frames is None or len(pred) == 0:
        return
    last = int(pred.frame.max())
    if last >= gt.num_frames:
        raise EvalInputError(
            f"{pred.source}: predictions reach frame {last} (0-based) but {gt.source} has {gt.num_frames} "
            "frames; are frame numbers shifted by one (jsonl counts from 0, MOTChallenge from 1)?"
        )


def format_metrics(result: Mapping[str, Any]) -> str:
    """One line of headline metrics (`HOTA 44.3  MOTA 24.2  IDF1 58.4 ...`), then per-class lines and notes."""
    lines = [_metric_line(result["metrics"])]
    frames = result.get("frames")
    agnostic = " (class-agnostic: the predictions name no class)" if result.get("class_agnostic") else ""
    lines.append(f"classes: {', '.join(result['classes'])}{agnostic}" + (f"; {frames} frames" if frames else ""))
    if len(result.get("per_class", {})) > 1:
        lines += [f"  {name}: {_metric_line(values)}" for name, values in result["per_class"].items()]
    if result.get("tracked") is False:
        lines.append("tracking metrics skipped: the predictions carry no track ids")
    if result.get("unevaluated_gt_classes"):
        lines.append(f"not evaluated (no predictions of that class): {', '.join(result['unevaluated_gt_classes'])}")
    if result.get("ignored_pred_classes"):
        lines.append(f"predictions ignored (class not in ground truth): {', '.join(result['ignored_pred_classes'])}")
    return "\n".join(lines)


def _metric_line(values: Mapping[str, Any]) -> str:
    return "  ".join(f"{name} {_number(values[name])}" for name in HEADLINE if name in values)


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "-" if math.isnan(value) else f"{value:.1f}"


def nan_to_none(value: Any) -> Any:
    """The same structure with every non-finite float as None (strict JSON readers refuse NaN)."""
    return plain(value)


def to_json(result: Mapping[str, Any]) -> str:
    """The result as JSON, NaN (undefined metric) written as null."""
    return json.dumps(nan_to_none(result), indent=2)


def parse_class_map(items: Iterable[str]) -> dict[str, str]:
    """`["person=pedestrian", "car=vehicle,truck=vehicle"]` -> a name map."""
    mapping: dict[str, str] = {}
    for item in items:
        for pair in item.split(","):
            name, sep, target = pair.partition("=")
            if not sep or not name.strip() or not target.strip():
                raise EvalInputError(f"--class-map expects NAME=CLASS pairs, got {pair!r}")
            mapping[name.strip().lower()] = target.strip().lower()
    return mapping


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `detect eval`."""
    parser.add_argument("--gt", required=True, help="ground truth: MOT sequence folder, gt.txt, KITTI "
                        "label_02 file, gt_simple.csv or COCO .json")
    parser.add_argument("--pred", required=True, help="predictions: our jsonl or mot output, or any "
                        "MOTChallenge results file")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    default = ",".join(f"{k}={v}" for k, v in DEFAULT_CLASS_MAP.items())
    parser.add_argument("--class-map", action="append", default=None, metavar="NAME=CLASS",
                        help=f"rename a class on both sides (repeatable; replaces the default {default})")
    parser.add_argument("--classes", default=None, help="comma-separated classes to score (after mapping); "
                        "default: ground-truth classes that the predictions also name")
    parser.add_argument("--iou", type=float, default=0.5, help="IoU threshold for MOTA/IDF1 matching (default 0.5)")


def eval_main(args: argparse.Namespace) -> int:
    """Run `detect eval` from parsed arguments; errors surface as EvalInputError (a DetectError)."""
    class_map = parse_class_map(args.class_map) if args.class_map else None
    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    result = run_eval(args.gt, args.pred, class_map=class_map, iou=args.iou, classes=classes)
    print(to_json(result) if args.json else format_metrics(result))
    return 0
