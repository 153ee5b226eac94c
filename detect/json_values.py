"""Values made JSON-ready once, the same way everywhere (JSONL, events, CSV details, reports).

numpy scalars and arrays become Python numbers and lists, mappings and sequences are copied,
non-finite floats (an undefined metric, an unknown distance) become None so that strict JSON
readers accept the file, and floats are optionally rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def plain(value: Any, digits: int | None = None) -> Any:
    """A JSON-safe copy of `value`; floats rounded to `digits` when given."""
    if isinstance(value, np.ndarray):
        return [plain(v, digits) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, Mapping):
        return {str(k): plain(v, digits) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(v, digits) for v in value]
    return value
