"""Undefined metrics (NaN) are stored as JSON null: strict JSON readers refuse NaN."""

from __future__ import annotations

import math
from typing import Any


def nan_to_none(value: Any) -> Any:
    """The same structure with every non-finite float replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [nan_to_none(v) for v in value]
    return value
