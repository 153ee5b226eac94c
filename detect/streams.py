"""Many named streams in one config: `streams:` -> one PipelineConfig per stream.

```yaml
streams:                      # name -> source params; `source:` alone stays one stream
  front: {type: stream, path: rtsp://cam-front/1}
  clip:  {type: video, path: a.mp4}
detector: {...}               # one instance, shared by every stream
tracker: {...}                # analytics, annotators, sinks: one instance per stream
sinks: [{type: video, path: "runs/{stream}.mp4"}, {type: jsonl, path: runs/all.jsonl}]
overrides:
  clip: {analytics: [], tracker: {type: none}}
```

Each stream's pipeline is the config's mapping with its own `source`, its `overrides` sections
replacing the shared ones, and `{stream}` in sink paths replaced by its name; it is parsed by
`config.parse` like any one-stream config, so every stage checks its params the usual way.
A sink path without `{stream}` used by several streams is one shared file: allowed for a
JSONL sink (one file, each line with a "stream" field), refused for any other file sink (a
video, CSV or MOT file holds one stream).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detect.config import TOP_KEYS, PipelineConfig, parse, source_override
from detect.contract import Sink, Source
from detect.errors import ConfigError, clip, did_you_mean
from detect.registry import sinks as sink_registry
from detect.sinks.base import FileSink
from detect.sinks.jsonl import JsonlSink
from detect.validate import output_key, output_problems

STREAMS_KEY = "streams"
OVERRIDES_KEY = "overrides"
OVERRIDABLE = ("tracker", "analytics", "annotators", "sinks")
"""Sections a stream may replace; the detector is shared and the runtime section is the run's."""
NAME_PLACEHOLDER = "{stream}"


@dataclass(frozen=True)
class StreamConfig:
    name: str
    config: PipelineConfig


def is_multi(data: dict[str, Any]) -> bool:
    return STREAMS_KEY in data


def sources_as_streams(data: dict[str, Any], sources: Sequence[str]) -> dict[str, Any]:
    """`--source a.mp4 --source b.mp4`: each source a stream named after its file stem (`a`, `b`;
    a repeated stem gets `-2`, `-3`), each keeping the configured source's options where the
    kind matches (as one `--source` does)."""
    base = data.get("source")
    streams: dict[str, Any] = {}
    for path in sources:
        stem = _stem(path)
        name, n = stem, 1
        while name in streams:
            n += 1
            name = f"{stem}-{n}"
        streams[name] = source_override(base, path)
    out = {k: v for k, v in data.items() if k not in ("source", STREAMS_KEY)}
    out[STREAMS_KEY] = streams
    return out


def _stem(path: str) -> str:
    """A readable name for a source: a file's stem, a camera's index, a URL's last part."""
    if path.isdigit():
        return f"camera{path}"
    if "://" in path:
        tail = [part for part in path.split("?")[0].split("/")[2:] if part]
        return "-".join(tail[-1:]) or "stream"
    return Path(path.rstrip("/")).stem or "stream"


def parse_streams(data: dict[str, Any], path: str | None = None) -> list[StreamConfig]:
    """Every stream's config, or one ConfigError with every problem of every stream."""
    errors: list[str] = []
    streams = data.get(STREAMS_KEY)
    overrides = data.get(OVERRIDES_KEY) or {}
    if "source" in data:
        errors.append(f"source: give either 'source' (one stream) or '{STREAMS_KEY}' (named streams), not both")
    if not isinstance(streams, dict) or not streams:
        errors.append(f"{STREAMS_KEY}: expected a mapping of stream names to sources, e.g. "
                      "{front: {type: video, path: front.mp4}}")
        streams = {}
    if not isinstance(overrides, dict):
        errors.append(f"{OVERRIDES_KEY}: expected a mapping of stream names to sections, e.g. "
                      "{rear: {tracker: {type: none}}}")
        overrides = {}
    for key in data:
        if key not in TOP_KEYS + (STREAMS_KEY, OVERRIDES_KEY):
            allowed = TOP_KEYS + (STREAMS_KEY, OVERRIDES_KEY)
            errors.append(f"{key}: unknown key '{key}' ({did_you_mean(str(key), allowed)}"
                          f"allowed: {', '.join(allowed)})")
    for name in overrides:
        if name not in streams:
            errors.append(f"{OVERRIDES_KEY}.{name}: no stream named '{clip(str(name), 80)}' "
                          f"({did_you_mean(str(name), [str(s) for s in streams])}streams: {', '.join(map(str, streams))})")
    shared = {k: v for k, v in data.items() if k not in (STREAMS_KEY, OVERRIDES_KEY, "source")}
    configs: list[StreamConfig] = []
    for name, source in streams.items():
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
            errors.append(f"{STREAMS_KEY}: a stream name is letters, digits, '-', '_' or '.' "
                          f"(it goes into file names), got {clip(repr(name), 80)}")
            continue
        stream_data = _stream_data(name, source, shared, overrides.get(name), errors)
        try:
            configs.append(StreamConfig(name, parse(stream_data, path)))
        except ConfigError as exc:
            errors.extend(f"{STREAMS_KEY}.{name}: {m}" for m in exc.messages)
    if errors:
        raise ConfigError(errors, path=path)
    return configs


def _stream_data(name: str, source: Any, shared: dict[str, Any], override: Any, errors: list[str]) -> dict[str, Any]:
    data = copy.deepcopy(shared)
    data["source"] = {"type": "video", "path": source} if isinstance(source, str) else copy.deepcopy(source)
    if override is not None:
        if not isinstance(override, dict):
            errors.append(f"{OVERRIDES_KEY}.{name}: expected a mapping of sections ({', '.join(OVERRIDABLE)})")
        else:
            for section, value in override.items():
                if section not in OVERRIDABLE:
                    why = " (one detector is shared by every stream)" if section == "detector" else ""
                    errors.append(f"{OVERRIDES_KEY}.{name}.{section}: not a section a stream may override{why} "
                                  f"({did_you_mean(str(section), OVERRIDABLE)}allowed: {', '.join(OVERRIDABLE)})")
                    continue
                data[section] = copy.deepcopy(value)
    for sink in data.get("sinks") or []:
        if isinstance(sink, dict) and isinstance(sink.get("path"), str):
            sink["path"] = sink["path"].replace(NAME_PLACEHOLDER, name)
        if isinstance(sink, dict) and "stream" not in sink and _names_its_stream(sink.get("type")):
            sink["stream"] = name
    return data


def _names_its_stream(sink_type: Any) -> bool:
    """A sink with a `stream` parameter (record, clips, mqtt, webhook) takes the stream's name
    unless the config gives one, so recordings, clips and topics are per stream by default."""
    cls = sink_registry.get(sink_type) if isinstance(sink_type, str) else None
    params = getattr(cls, "Params", None)
    return params is not None and "stream" in getattr(params, "model_fields", {})


@dataclass(frozen=True)
class SharedOutput:
    """One sink file several streams write: which stream's sink (by index) opens it for all."""

    path: str
    members: tuple[tuple[str, int], ...]
    """(stream name, sink index) of every stream writing it; the first owns the instance."""


def plan_outputs(streams: Sequence[tuple[str, Source, Sequence[tuple[str, Sink]]]]) -> tuple[list[SharedOutput], list[str]]:
    """Shared JSONL files, and the problems with the outputs of all streams together: an output
    that is any stream's input, a non-JSONL file written by several streams, and (per stream)
    everything `validate.output_problems` refuses."""
    problems: list[str] = []
    inputs: dict[str, tuple[str, str]] = {}
    for name, source, sinks in streams:
        problems.extend(f"{STREAMS_KEY}.{name}: {p}" for p in output_problems(source, sinks))
        for path in source.input_paths():
            inputs.setdefault(output_key(Path(path)), (name, path))
    writers: dict[str, list[tuple[str, int, str, Sink]]] = {}
    for name, _, sinks in streams:
        for index, (where, sink) in enumerate(sinks):
            if isinstance(sink, FileSink):
                writers.setdefault(output_key(sink.path), []).append((name, index, where, sink))
    shared: list[SharedOutput] = []
    for key, members in writers.items():
        path = str(members[0][3].path)
        owner = inputs.get(key)
        if owner is not None and any(name != owner[0] for name, *_ in members):
            problems.append(f"{members[0][2]}.path: {path} is an input of stream '{owner[0]}'; writing it "
                            "would destroy it (choose another output path)")
        names = sorted({name for name, *_ in members})
        if len(names) < 2:
            continue
        if all(isinstance(sink, JsonlSink) for *_, sink in members):
            shared.append(SharedOutput(path, tuple((name, index) for name, index, *_ in members)))
        else:
            problems.append(f"{members[0][2]}.path: {path} would be written by streams {', '.join(names)}, and "
                            f"only a jsonl file can be shared by streams: put {NAME_PLACEHOLDER} in the path "
                            f"(e.g. runs/{NAME_PLACEHOLDER}{Path(path).suffix})")
    return shared, problems
