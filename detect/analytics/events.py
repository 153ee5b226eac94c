"""Events at a pipeline frame, with JSON-ready payloads.

Sinks write each event as its own line or row, so values are converted here once, when
the Event is made: numpy scalars become Python numbers, floats are rounded, NaN and inf
become None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from detect.types import Event, Packet


def make_event(kind: str, packet: Packet, payload: Mapping[str, Any], track: int | None = None) -> Event:
    """An Event at the packet's frame (pts rounded to 0.1 ms) with JSON-safe payload values."""
    return Event(
        kind=kind,
        frame=packet.frame.index,
        pts=round(packet.frame.pts_s, 4),
        track=track,
        payload={key: plain(value) for key, value in payload.items()},
    )


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
