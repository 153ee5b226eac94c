"""One JSON object per frame (plus event lines), flushed so a crash keeps what was done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from pydantic import Field

from detect.columns import CLASS_NAME, FRAME, PTS, SOURCE, TRACK_ID
from detect.json_values import plain
from detect.live_stats import StatsLines
from detect.params import StageParams
from detect.redaction import redact_text
from detect.registry import sinks
from detect.sinks.base import FileSink
from detect.types import Detections, Event, Packet, SourceInfo


def detections_json(dets: Detections, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """Plain JSON per box; analytics columns (`Detections.data`) follow, NaN as null."""
    tids = dets.tracker_id
    out = []
    for i in range(len(dets)):
        cls = int(dets.class_id[i])
        tid = None if tids is None or tids[i] < 0 else int(tids[i])
        record = {
            "xyxy": [round(float(v), 2) for v in dets.xyxy[i]],
            "conf": round(float(dets.confidence[i]), 4),
            "class_id": cls,
            CLASS_NAME: labels[cls] if cls < len(labels) else str(cls),
            TRACK_ID: tid,
        }
        for key, column in dets.data.items():
            record[key] = plain(column[i], digits=4)
        out.append(record)
    return out


@sinks.register("jsonl")
class JsonlSink(FileSink):
    """Frame records `{frame, pts, source, detections}` and `{event: ...}` lines."""

    class Params(StageParams):
        path: str = Field(description="output .jsonl file")
        flush_every: int = Field(30, ge=1, description="flush to disk every N frames")
        stats_every_s: float = Field(10.0, ge=0, description="live sources: a live_stats line (fps, latency "
                                                             "p50/p95, drops) every N seconds and one at the end "
                                                             "(0 = only at the end)")

    def __init__(self, params: Params) -> None:
        self.params = params
        self.path = Path(params.path)
        self._file: IO[str] | None = None
        self._count = 0
        self._stats: StatsLines | None = None
        self._source = ("", "")
        """(source id, as written): redacted once per source, not once per frame."""

    def open(self, info: SourceInfo) -> None:
        self._file = self.open_text()
        self._count = 0
        self._stats = StatsLines(self.params.stats_every_s, info.source_id) if info.live else None

    def write(self, packet: Packet) -> None:
        assert self._file is not None
        frame = packet.frame
        record = {
            FRAME: frame.index,
            PTS: round(frame.pts_s, 6),
            SOURCE: self._shown_source(frame.source_id),
            "detections": detections_json(packet.detections, packet.labels),
        }
        self._file.write(json.dumps(record) + "\n")
        for event in packet.events:
            self.write_event(event)
        if self._stats is not None and (stats := self._stats.add(packet)) is not None:
            self.write_event(stats)
        self._count += 1
        if self._count % self.params.flush_every == 0:
            self._file.flush()

    def _shown_source(self, source_id: str) -> str:
        if self._source[0] != source_id:
            self._source = (source_id, redact_text(source_id))
        return self._source[1]

    def write_event(self, event: Event) -> None:
        assert self._file is not None
        self._file.write(json.dumps(event.to_record()) + "\n")

    def close(self) -> None:
        if self._file is not None:
            if self._stats is not None and (stats := self._stats.final()) is not None:
                self.write_event(stats)
            self._file = None
        self.close_text(self._count)

