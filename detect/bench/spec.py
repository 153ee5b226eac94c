"""The `detect bench` spec: which detectors, trackers and clips to combine, and how to score them.

Detector and tracker entries are plain stage mappings (the same keys as in a pipeline
YAML) so the pipeline's own validation judges them; only the bench's own shape is
declared here. Paths are relative to the working directory (a pipeline config's are relative to
its file; a spec names clips shared by many runs, and says where to run from).
pydantic's errors are printed as the project prints config problems (`clips[0].gt: ...`);
an unknown key gets a did-you-mean and the allowed keys of the mapping it appears in.
"""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detect.config import apply_overrides, load_yaml
from detect.errors import ConfigError, did_you_mean

SPEC_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClipSpec(_Strict):
    """One video, optionally cut, optionally with ground truth."""

    path: str = Field(description="video file")
    name: str | None = Field(None, description="label in tables and plots (default: the file name without suffix)")
    start: float = Field(0.0, ge=0, description="first second to read")
    end: float | None = Field(None, gt=0, description="stop at this second (exclusive)")
    frames: int | None = Field(None, ge=1, description="read at most this many frames from `start`")
    gt: str | None = Field(None, description="ground truth: MOT folder, gt.txt, gt_simple.csv or KITTI label_02 file")
    class_map: dict[str, str] | None = Field(None, description="rename classes on both sides before scoring")
    classes: list[str] | None = Field(None, description="detector classes for this clip (replaces the detector's)")
    eval_classes: list[str] | None = Field(None, description="classes to score after mapping (default: those both sides name)")

    @model_validator(mode="after")
    def _end_after_start(self) -> ClipSpec:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.gt is None and (self.class_map or self.eval_classes):
            raise ValueError("class_map and eval_classes need gt")
        return self

    @property
    def label(self) -> str:
        return self.name or Path(self.path).stem


class OutputsSpec(_Strict):
    """Files each combination writes besides what scoring needs (jsonl is always written when a clip has gt)."""

    jsonl: bool = Field(False, description="write predictions for clips without ground truth too")
    video: bool = Field(False, description="draw boxes and labels and write an H.264 mp4 (slows the run down)")


class MeasureSpec(_Strict):
    """How speed is measured."""

    serial: bool = Field(True, description="a second, single-threaded pass whose per-stage times add up to its wall time")
    timeout_s: float = Field(900.0, gt=0, description="a combination running longer is stopped and reported failed")


class BenchSpec(_Strict):
    """detectors x trackers x clips; every combination runs through the real pipeline."""

    version: Literal[1] = Field(SPEC_VERSION, description="spec format version")
    detectors: list[dict[str, Any]] = Field(min_length=1, description="detector stages; a list value for a scalar "
                                            "parameter (backend: [torch, openvino]) makes one detector per item")
    trackers: list[str | dict[str, Any]] = Field(["bytetrack"], min_length=1, description="tracker stages")
    clips: list[ClipSpec] = Field(min_length=1, description="videos to run on")
    class_map: dict[str, str] | None = Field(None, description="default class map for clips that give none")
    iou: float = Field(0.5, gt=0, le=1, description="IoU threshold for MOTA and IDF1 matching")
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    measure: MeasureSpec = Field(default_factory=MeasureSpec)

    @model_validator(mode="after")
    def _unique_clip_labels(self) -> BenchSpec:
        labels = [clip.label for clip in self.clips]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"clip names must differ, repeated: {', '.join(repeated)} (set `name:` on the clips)")
        return self


def parse_spec(data: dict[str, Any], path: str | None = None) -> BenchSpec:
    """Validate a spec mapping; every problem is reported in one ConfigError."""
    try:
        return BenchSpec(**data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, BenchSpec), path=path) from None
    except TypeError as exc:
        raise ConfigError(f"the top level must be a mapping: {exc}", path=path) from None


def load_spec(path: str | os.PathLike[str], overrides: list[str] | None = None) -> BenchSpec:
    """Read SPEC.yaml, apply `--set` overrides, validate."""
    data = load_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides)
    return parse_spec(data, path=str(path))


def format_errors(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One message per problem, in the order pydantic found them."""
    return [_message(err, model) for err in exc.errors()]


def where(loc: tuple[Any, ...]) -> str:
    """('clips', 0, 'gt') -> 'clips[0].gt'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(err: Any, model: type[BaseModel]) -> str:
    loc = tuple(err["loc"])
    place = where(loc) or "spec"
    if err["type"] == "extra_forbidden":
        allowed = tuple(_model_at(model, loc[:-1]).model_fields)
        key = str(loc[-1])
        return f"{place}: unknown key '{key}' ({did_you_mean(key, allowed)}allowed: {', '.join(allowed)})"
    if err["type"] == "missing":
        return f"{place}: missing"
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = "" if isinstance(value, (dict, list)) else f" (got {value!r})"
    return f"{place}: {msg}{shown}"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The nested model a location points into (list indices are stepped over)."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int) or part not in current.model_fields:
            continue
        inner = _inner_model(current.model_fields[part].annotation)
        if inner is None:
            break
        current = inner
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside `X`, `list[X]` or `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
