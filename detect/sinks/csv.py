"""`csv` sink: one row per analytics event, with fixed columns for spreadsheets.

Columns common to the driving events get their own column; anything else an event
carries goes, as JSON, into `details`, so a new event kind never changes the header.
The file is written under a temporary name and renamed on close: a reader never sees
a half-written file under the final name, and an interrupted run still leaves one.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pydantic import Field

from detect.columns import (
    CLASS_NAME,
    DIRECTION,
    DISTANCE_M,
    EVENT,
    FRAME,
    LEVEL,
    PTS,
    SUBJECT_FIELDS,
    TOTAL,
    TRACK_ID,
    TTC_S,
)
from detect.params import StageParams, path_field
from detect.registry import sinks
from detect.sinks.base import FileSink
from detect.types import Event, Packet, SourceInfo

NAME = "name"
"""The column holding an event's subject: its zone or line."""
DETAILS = "details"
COLUMNS = (
    EVENT,
    FRAME,
    PTS,
    TRACK_ID,
    CLASS_NAME,
    NAME,
    DIRECTION,
    LEVEL,
    TTC_S,
    DISTANCE_M,
    TOTAL,
)


def event_row(event: Event) -> dict[str, Any]:
    """Spread one event's record over the fixed columns; the rest goes to `details` as JSON."""
    record = event.to_record()
    row = {column: record.get(column) for column in COLUMNS}
    row[NAME] = next((record[k] for k in SUBJECT_FIELDS if k in record), None)
    rest = {k: v for k, v in record.items() if k not in COLUMNS and k not in SUBJECT_FIELDS}
    row[DETAILS] = json.dumps(rest, separators=(",", ":")) if rest else ""
    return {k: "" if v is None else v for k, v in row.items()}


@sinks.register("csv")
class CsvSink(FileSink):
    """Analytics events (warnings, crossings, zone changes) as CSV rows."""

    class Params(StageParams):
        path: str = path_field(description="Output .csv file")
        events: list[str] | None = Field(None, description="Only these event kinds (default: all)")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.path = Path(params.path)
        self._writer: csv.DictWriter[str] | None = None
        self._frames = 0

    def open(self, info: SourceInfo) -> None:
        self._frames = 0
        self._writer = csv.DictWriter(self.open_text(newline=""), fieldnames=[*COLUMNS, DETAILS])
        self._writer.writeheader()

    def write(self, packet: Packet) -> None:
        if self._writer is None:
            raise RuntimeError("csv sink: write() before open()")
        self._frames += 1
        wanted = self.params.events
        for event in packet.events:
            if wanted is None or event.kind in wanted:
                self._writer.writerow(event_row(event))

    def close(self) -> None:
        """Flush and move the file into place; safe to call twice or after a failed open."""
        self._writer = None
        self.close_text(self._frames)
