"""One JSON object per frame (plus event lines), flushed so a crash keeps what was done."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from pydantic import Field

from detect.columns import FILE, FRAME, PTS, SOURCE, STREAM
from detect.live_stats import StatsLines
from detect.params import StageParams, path_field
from detect.redaction import redact_text
from detect.registry import sinks
from detect.results import detection_records
from detect.sinks.base import FileSink
from detect.types import Event, Packet, SourceInfo


@sinks.register("jsonl")
class JsonlSink(FileSink):
    """Frame records `{frame, pts, source, detections}` (image sources: `file` too) and `{event: ...}` lines."""

    class Params(StageParams):
        path: str = path_field(description="output .jsonl file")
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
            "detections": detection_records(packet.detections, packet.labels),
        }
        if frame.file is not None:
            record = {FRAME: frame.index, FILE: redact_text(frame.file), **record}
        if frame.stream:
            record[STREAM] = frame.stream
        self._file.write(json.dumps(record) + "\n")
        for event in packet.events:
            self.write_event(event, frame.stream)
        if self._stats is not None and (stats := self._stats.add(packet)) is not None:
            self.write_event(stats, frame.stream)
        self._count += 1
        if self._count % self.params.flush_every == 0:
            self._file.flush()

    def _shown_source(self, source_id: str) -> str:
        if self._source[0] != source_id:
            self._source = (source_id, redact_text(source_id))
        return self._source[1]

    def write_event(self, event: Event, stream: str = "") -> None:
        assert self._file is not None
        record = event.to_record()
        if stream:
            record[STREAM] = stream
        self._file.write(json.dumps(record) + "\n")

    def close(self) -> None:
        if self._file is not None:
            if self._stats is not None and (stats := self._stats.final()) is not None:
                self.write_event(stats)
            self._file = None
        self.close_text(self._count)

