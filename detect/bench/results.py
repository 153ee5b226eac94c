"""Metric values for all evaluated classes together and for each one.

Rates are percentages (0-100, as benchmarks print them); counts are ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClassMetrics:
    """`overall` combines the classes, `per_class` has one entry per class.

    Tracking metrics combine by summing detections over classes (TrackEval's
    "det-averaged"); AP combines as COCO's mAP, the mean over classes.
    """

    overall: dict[str, float | int]
    per_class: dict[str, dict[str, float | int]] = field(default_factory=dict)
