"""One line per finished combination, for the log while a bench runs."""

from __future__ import annotations

from typing import Any

BUSY_PCT = 10.0
"""Background CPU above this share of the machine is called out: the speed numbers are then pessimistic."""


def summary_line(record: dict[str, Any]) -> str:
    """`yolo11n/torch/640 | bytetrack | TUD: 14.2 fps (0.57x real time), HOTA 41.0, AP50 70.1`."""
    if record.get("status") != "ok":
        return f"{record.get('label', record.get('key'))}: FAILED: {record.get('error')}"
    speed = record["speed"]
    text = f"{record['label']}: {speed['fps']:.1f} fps ({speed['realtime_factor']:.2f}x real time)"
    metrics = (record.get("accuracy") or {}).get("metrics") or {}
    for name in ("HOTA", "MOTA", "AP50"):
        if metrics.get(name) is not None:
            text += f", {name} {metrics[name]:.1f}"
    background = speed.get("background_cpu_pct") or 0.0
    if background > BUSY_PCT:
        text += f" [shared CPU: other processes used {background:.0f} % of it]"
    return text
