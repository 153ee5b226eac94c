"""The options of `detect eval`, importable without the metric libraries (fast CLI start-up)."""

from __future__ import annotations

import argparse

from detect.bench.classes import DEFAULT_CLASS_MAP


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
