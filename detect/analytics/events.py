"""Frame-level events: plain, JSON-ready dicts with the same leading keys everywhere.

Sinks write each event as its own line or row, so values are converted here once:
numpy scalars become Python numbers, floats are rounded, NaN and inf become None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from detect.types import Packet


def make_event(name: str, packet: Packet, **fields: Any) -> dict[str, Any]:
    """`{"event": name, "frame": i, "pts": s, ...fields}` with JSON-safe values."""
    event: dict[str, Any] = {"event": name, "frame": packet.frame.index, "pts": round(packet.frame.pts_s, 4)}
    event.update({key: plain(value) for key, value in fields.items()})
    return event


def plain(value: Any) -> Any:
    """A JSON-safe copy: Python scalars, lists and dicts; non-finite floats become None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in value]
    return value
