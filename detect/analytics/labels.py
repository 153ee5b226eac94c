"""Class names for analytics: the detector's labels are the only source of truth."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from detect.errors import did_you_mean

ROAD_USERS = ("car", "truck", "bus", "person", "bicycle", "motorcycle")


def class_name(labels: tuple[str, ...], class_id: int) -> str:
    """The name for a class id, or its number when the detector did not name it."""
    return labels[class_id] if 0 <= class_id < len(labels) else str(class_id)


def class_mask(labels: tuple[str, ...], class_ids: np.ndarray, wanted: Iterable[str] | None) -> np.ndarray:
    """Which detections belong to the wanted classes (all of them when `wanted` is None)."""
    if wanted is None:
        return np.ones(len(class_ids), bool)
    names = set(wanted)
    ids = [i for i, name in enumerate(labels) if name in names]
    return np.isin(class_ids, ids)


def check_classes(labels: tuple[str, ...], wanted: Iterable[str] | None, where: str) -> None:
    """Fail once, clearly, when a configured class is not one the detector can produce.

    Skipped while the detector's labels are unknown (empty), e.g. in scripted tests.
    """
    if wanted is None or not labels:
        return
    unknown = [name for name in wanted if name not in labels]
    if unknown:
        hints = []
        for name in unknown:
            hint = did_you_mean(name, labels, cutoff=0.6).strip()
            hints.append(f"'{name}'" + (f" ({hint})" if hint else ""))
        raise ValueError(f"{where}: the detector has no class {', '.join(hints)}")
