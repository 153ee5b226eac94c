"""`csv` sink: one row per analytics event, with fixed columns for spreadsheets.

Columns common to the driving events get their own column; anything else an event
carries goes, as JSON, into `details`, so a new event kind never changes the header.
The file is written under a temporary name and renamed on close: a reader never sees
a half-written file under the final name, and an interrupted run still leaves one.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO, Any

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
from detect.params import StageParams
from detect.registry import sinks
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
class CsvSink:
    """Analytics events (warnings, crossings, zone changes) as CSV rows."""

    class Params(StageParams):
        path: str = Field(description="Output .csv file")
        events: list[str] | None = Field(None, description="Only these event kinds (default: all)")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.path = Path(params.path)
        self._tmp = self.path.with_name(f".{self.path.name}.part")
        self._file: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None

    def open(self, info: SourceInfo) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._tmp.open("w", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._file, fieldnames=[*COLUMNS, DETAILS])
        self._writer.writeheader()

    def write(self, packet: Packet) -> None:
        if self._writer is None:
            raise RuntimeError("csv sink: write() before open()")
        wanted = self.params.events
        for event in packet.events:
            if wanted is None or event.kind in wanted:
                self._writer.writerow(event_row(event))

    def close(self) -> None:
        """Flush and move the file into place; safe to call twice or after a failed open."""
        if self._file is None:
            return
        try:
            self._file.close()
            os.replace(self._tmp, self.path)
        finally:
            self._file = None
            self._writer = None
