"""Events at a pipeline frame, with JSON-ready payloads.

Sinks write each event as its own line or row, so values are converted here once, when
the Event is made: numpy scalars become Python numbers, floats are rounded, NaN and inf
become None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detect.json_values import plain as json_plain
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
    """JSON-safe, floats to 3 decimals (millimetres, milliseconds)."""
    return json_plain(value, digits=3)
