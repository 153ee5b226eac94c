"""YAML -> validated pipeline config, reporting every problem at once."""

from __future__ import annotations

import copy
import os
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from detect import stages  # noqa: F401  (registers the built-in stages)
from detect.errors import ConfigError, did_you_mean
from detect.motion import MotionParams
from detect.params import StageParams
from detect.registry import REGISTRIES
from detect.safe_yaml import parse_yaml, read_yaml_file

SINGLE_ROLES = {"source": "source", "detector": "detector", "tracker": "tracker"}
LIST_ROLES = {"analytics": "analytics", "annotators": "annotator", "sinks": "sink"}
REQUIRED = ("source", "detector")
TOP_KEYS = tuple(SINGLE_ROLES) + tuple(LIST_ROLES) + ("runtime", "motion")
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxstring, _SHORT_REPR.maxother = 3, 80, 80


class RuntimeParams(StageParams):
    """Queue sizes between the reader, the stages and the writer (every queue is bounded); the
    multi-stream gather wait."""

    queue_size: int = Field(8, ge=1, le=1024, description="frames each queue between threads holds")
    gather_ms: float = Field(10.0, ge=0, le=1000, description="multi-stream runs: how long the detector waits "
                                                              "for more streams' frames before a batch call")
    live_batch: int | None = Field(1, ge=1, le=1024, description="multi-stream runs: most frames in a detector call "
                                   "that holds a live stream's frame (its latency is that call's time); "
                                   "null: the detector's batch")


@dataclass(frozen=True)
class StageSpec:
    role: str
    type: str
    params: BaseModel
    where: str

    def build(self) -> Any:
        cls = REGISTRIES[self.role].get(self.type)
        assert cls is not None
        return cls(self.params)


@dataclass(frozen=True)
class PipelineConfig:
    source: StageSpec
    detector: StageSpec
    tracker: StageSpec | None
    analytics: list[StageSpec] = field(default_factory=list)
    annotators: list[StageSpec] = field(default_factory=list)
    sinks: list[StageSpec] = field(default_factory=list)
    runtime: RuntimeParams = field(default_factory=RuntimeParams)
    motion: MotionParams | None = None
    """Motion gating (motion.py): the detector runs only on frames that move or have tracks."""
    path: str | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The mapping this config was parsed from (the Python API re-parses it with another source)."""


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML mapping (safely: see safe_yaml); syntax errors carry the line number."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = read_yaml_file(p)
    except ConfigError as exc:
        raise ConfigError(exc.messages, path=str(p)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"the top level must be a mapping of stages, got {type(data).__name__}", path=str(p))
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `dotted.key=value` overrides (values are YAML); list items are addressed by index (sinks.0.path)."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects dotted.key=value, got '{item}'")
        set_value(data, key, parse_yaml(raw, what=f"--set {key}") if raw else "")
    return data


def set_value(data: dict[str, Any], key: str, value: Any) -> None:
    """Set `dotted.key` (list items by index) to a Python value, creating mappings on the way.
    A new `tracker.type` keeps only the settings that tracker takes (see switch_tracker)."""
    if key == "tracker.type" and isinstance(data.get("tracker"), dict):
        data["tracker"] = switch_tracker(data["tracker"], value)
        return
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[: i + 1]), create=True)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, key)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError(f"--set {key}: '{'.'.join(parts[:-1])}' is not a mapping or list")


def switch_tracker(tracker: dict[str, Any], name: Any) -> dict[str, Any]:
    """`--tracker none` on a ByteTrack config: the settings the new tracker also takes carry over
    (ByteTrack's buffer to BoT-SORT), the rest are dropped (`none` takes none), so switching is
    never refused over the old tracker's keys. An unknown name is left for validation to report."""
    cls = REGISTRIES["tracker"].get(name) if isinstance(name, str) else None
    if cls is None or tracker.get("type") == name:
        return {**tracker, "type": name}
    return {"type": name, **{k: v for k, v in tracker.items() if k in cls.Params.model_fields}}


def _index(node: list[Any], part: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ConfigError(f"--set {where}: no list item {part} (the list has {len(node)})")
    return int(part)


def _child(node: Any, part: str, where: str, create: bool) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, where)]
    if isinstance(node, dict):
        if part not in node and create:
            node[part] = {}
        return node[part]
    raise ConfigError(f"--set {where}: parent is not a mapping or list")


def parse(data: dict[str, Any], path: str | None = None) -> PipelineConfig:
    """Validate the pipeline's shape, then each stage's params; raise all errors together."""
    errors: list[str] = []
    if "streams" in data:
        raise ConfigError("streams: a config with named streams runs with `detect run` (or "
                          "detect.multi_runtime.MultiPipeline), not as one pipeline", path=path)
    for key in data:
        if key not in TOP_KEYS:
            errors.append(_unknown_key(str(key), str(key), TOP_KEYS))
    for key in REQUIRED:
        if key not in data or data[key] is None:
            errors.append(f"{key}: missing (every pipeline needs a {key})")

    specs: dict[str, Any] = {}
    for key, role in SINGLE_ROLES.items():
        if data.get(key) is not None:
            specs[key] = _stage(data[key], role, key, errors)
    for key, role in LIST_ROLES.items():
        items = data.get(key) or []
        if not isinstance(items, list):
            errors.append(f"{key}: expected a list of stages, got {type(items).__name__}")
            items = []
        specs[key] = [_stage(item, role, f"{key}[{i}]", errors) for i, item in enumerate(items)]
    runtime = _params(RuntimeParams, data.get("runtime") or {}, "runtime", errors)
    motion = _params(MotionParams, data["motion"] or {}, "motion", errors) if "motion" in data else None

    if errors:
        raise ConfigError(errors, path=path)
    from detect.stills import for_stills

    return for_stills(PipelineConfig(
        source=specs["source"],
        detector=specs["detector"],
        tracker=specs.get("tracker"),
        analytics=specs["analytics"],
        annotators=specs["annotators"],
        sinks=specs["sinks"],
        runtime=runtime,
        motion=motion,
        path=path,
        data=copy.deepcopy(data),
    ))


def load(path: str | os.PathLike[str], overrides: list[str] | None = None, source: str | None = None) -> PipelineConfig:
    """A pipeline YAML (its paths relative to its folder), then the command line's values (relative to cwd)."""
    from detect.config_paths import read_config

    data = read_config(path)
    if overrides:
        data = apply_overrides(data, overrides)
    if source is not None:
        data["source"] = source_override(data.get("source"), source)
    return parse(data, path=str(path))


def source_override(current: Any, path: str) -> dict[str, Any]:
    """`--source PATH`: keep the configured source's options when the kind matches."""
    kind = infer_source_type(path)
    key = "device" if kind == "webcam" else "path"
    value: Any = int(path) if path.isdigit() else path
    if isinstance(current, dict) and current.get("type") == kind:
        return {**current, key: value}
    return {"type": kind, key: value}


def infer_source_type(path: str) -> str:
    """A camera index or /dev/videoN, a URL, an image or a folder or glob of images, else a video file."""
    from detect.sources.images import IMAGE_SUFFIXES

    if path.isdigit() or path.startswith("/dev/video"):
        return "webcam"
    if "://" in path:
        return "stream"
    if Path(path).is_dir() or any(ch in path for ch in "*?[") or Path(path).suffix.lower() in IMAGE_SUFFIXES:
        return "images"
    return "video"


def _stage(raw: Any, role: str, where: str, errors: list[str]) -> StageSpec | None:
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a mapping with a 'type', got {type(raw).__name__}")
        return None
    kind = raw.get("type")
    registry = REGISTRIES[role]
    if not isinstance(kind, str):
        errors.append(f"{where}.type: missing ({registry.suggest('')})")
        return None
    try:
        cls = registry.get(kind)
    except ConfigError as exc:
        errors.append(f"{where}.type: {exc}")
        return None
    if cls is None:
        errors.append(f"{where}.type: unknown {role} '{kind}' ({registry.suggest(kind)})")
        return None
    params = _params(cls.Params, {k: v for k, v in raw.items() if k != "type"}, where, errors)
    return None if params is None else StageSpec(role, kind, params, where)


def _params(model: type[BaseModel], values: Any, where: str, errors: list[str]) -> Any:
    if not isinstance(values, dict):
        errors.append(f"{where}: expected a mapping, got {type(values).__name__}")
        return None
    try:
        return model(**values)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(_format_error(err, where, model))
        return None


def _format_error(err: Any, where: str, model: type[BaseModel]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    full = f"{where}.{loc}" if loc else where
    if err["type"] == "extra_forbidden":
        return _unknown_key(full, str(err["loc"][-1]), tuple(model.model_fields))
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    value = err.get("input")
    shown = "" if isinstance(value, dict) else f" (got {_SHORT_REPR.repr(value)})"
    return f"{full}: {msg}{shown}"


def _unknown_key(where: str, key: str, allowed: tuple[str, ...]) -> str:
    return f"{where}: unknown key '{key}' ({did_you_mean(key, allowed)}allowed: {', '.join(allowed)})"
