"""A bench spec -> the list of combinations to run, each validated by the pipeline's own config code.

Each combination has a stable key: a readable slug plus a hash of everything that
changes its numbers (resolved detector and tracker params, the clip and its ground
truth, scoring and output settings, the result format version). Same key = same
experiment, so a finished result can be reused on the next run.

`backend: [torch, openvino]` in a detector entry means two detectors: list values
expand into a product. A parameter that itself takes a list (`classes: [person, car]`)
stays one value; a list of lists (`classes: [[person], [person, bicycle]]`) gives one
variant per inner list.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from detect.bench.spec import BenchSpec, ClipSpec
from detect.config import parse
from detect.errors import ConfigError
from detect.registry import REGISTRIES

CACHE_VERSION = 2
"""Bump when the meaning of a stored result changes: every cached combination then runs again."""

DEFAULT_DETECTOR = "ultralytics"
LABEL_KEYS = ("type", "model", "backend", "imgsz", "classes")
"""Shown in the detector label by their own format; other explicitly set params are added as key=value."""


@dataclass(frozen=True)
class Combination:
    """One detector x tracker x clip experiment, with everything the worker needs to build its pipeline."""

    key: str
    detector: dict[str, Any]
    tracker: dict[str, Any]
    clip: ClipSpec
    detector_label: str
    tracker_label: str
    identity: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.detector_label} | {self.tracker_label} | {self.clip.label}"


def expand_spec(spec: BenchSpec, path: str | None = None) -> list[Combination]:
    """All combinations, detector-major (a model is loaded for all its clips in a row); all problems in one error.

    This is the second pass after the spec's own shape (spec.py): each stage is judged by
    the pipeline's config code, and `path` (the spec file) prefixes the error like a config's.
    """
    errors: list[str] = []
    detectors = _detectors(spec, errors)
    trackers = [(j, _tracker_entry(t)) for j, t in enumerate(spec.trackers)]
    clips = [(k, _resolved_clip(k, clip, spec, errors)) for k, clip in enumerate(spec.clips)]
    combos = []
    for i, entry in detectors:
        for j, tracker in trackers:
            for k, clip in clips:
                combo = _combination(spec, (i, entry), (j, tracker), (k, clip), errors)
                if combo is not None:
                    combos.append(combo)
    if errors:
        relative = [c.path for c in spec.clips if not Path(c.path).expanduser().is_absolute()]
        if relative and any(" not found: " in e for e in errors):
            errors.insert(0, f"paths in a bench spec are relative to the current directory ({Path.cwd()}), "
                             "not to the spec's folder: run from the folder it expects (the repository root "
                             "for configs/bench.yaml)")
        raise ConfigError(list(dict.fromkeys(errors)), path=path)
    return combos


def combo_key(slug_parts: list[str], identity: dict[str, Any]) -> str:
    """`yolo11n-torch-640-bytetrack-TUD-Stadtmitte-1a2b3c4d5e`: readable, and unique by its hash."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(slug_parts)).strip("_")
    return f"{slug}-{digest}"


def _detectors(spec: BenchSpec, errors: list[str]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for i, entry in enumerate(spec.detectors):
        entry = {"type": DEFAULT_DETECTOR, **entry}
        cls = REGISTRIES["detector"].get(str(entry["type"]))
        fields = list_fields(cls.Params) if cls is not None else set()
        out.extend((i, variant) for variant in expand(entry, fields))
        if cls is None:
            errors.append(f"detectors[{i}].type: unknown detector '{entry['type']}' "
                          f"({REGISTRIES['detector'].suggest(str(entry['type']))})")
    return out


def _tracker_entry(raw: str | dict[str, Any]) -> dict[str, Any]:
    return {"type": raw} if isinstance(raw, str) else dict(raw)


def _resolved_clip(k: int, clip: ClipSpec, spec: BenchSpec, errors: list[str]) -> ClipSpec:
    """Absolute paths (the key must not depend on the working directory), the spec's default class map."""
    path = Path(clip.path).expanduser().resolve()
    if not path.is_file():
        errors.append(f"clips[{k}].path: video not found: {clip.path}")
    gt = None
    if clip.gt is not None:
        gt = Path(clip.gt).expanduser().resolve()
        if not gt.exists():
            errors.append(f"clips[{k}].gt: ground truth not found: {clip.gt}")
    class_map = clip.class_map if clip.class_map is not None else (spec.class_map if gt else None)
    return clip.model_copy(update={"path": str(path), "gt": str(gt) if gt else None, "name": clip.label,
                                   "class_map": class_map})


def _combination(spec: BenchSpec, detector: tuple[int, dict[str, Any]], tracker: tuple[int, dict[str, Any]],
                 clip: tuple[int, ClipSpec], errors: list[str]) -> Combination | None:
    (i, det_entry), (j, trk_entry), (k, clip_spec) = detector, tracker, clip
    if clip_spec.classes is not None:
        det_entry = {**det_entry, "classes": clip_spec.classes}
    data = {"source": {"type": "video", "path": clip_spec.path, "start": clip_spec.start, "end": clip_spec.end},
            "detector": det_entry, "tracker": trk_entry}
    try:
        config = parse(data)
    except ConfigError as exc:
        renames = {"detector": f"detectors[{i}]", "tracker": f"trackers[{j}]", "source": f"clips[{k}]"}
        errors.extend(_renamed(message, renames) for message in exc.messages)
        return None
    det_params = {"type": config.detector.type, **config.detector.params.model_dump(mode="json")}
    model_error = _resolve_model(det_params)
    if model_error:
        errors.append(f"detectors[{i}].model: {model_error}")
        return None
    assert config.tracker is not None
    trk_params = {"type": config.tracker.type, **config.tracker.params.model_dump(mode="json")}
    identity = {
        "version": CACHE_VERSION, "detector": det_params, "tracker": trk_params,
        "clip": clip_spec.model_dump(mode="json", exclude={"name"}), "iou": spec.iou,
        "outputs": spec.outputs.model_dump(mode="json"), "serial": spec.measure.serial,
    }
    det_label = detector_label(det_params, det_entry)
    trk_label = tracker_label(trk_entry)
    key = combo_key([det_label.replace("/", "-"), trk_label, clip_spec.label], identity)
    return Combination(key, det_params, trk_entry, clip_spec, det_label, trk_label, identity)


def _renamed(message: str, renames: dict[str, str]) -> str:
    head, dot, rest = message.partition(".")
    head_colon, colon, rest_colon = message.partition(":")
    if dot and head in renames:
        return f"{renames[head]}.{rest}"
    if colon and head_colon in renames:
        return f"{renames[head_colon]}:{rest_colon}"
    return message


def _resolve_model(params: dict[str, Any]) -> str | None:
    """Replace `model` by the file it resolves to (so a name and a path to the same file are one key)."""
    if "model" not in params:
        return None
    from detect.detectors.models import resolve_model

    try:
        params["model"] = str(Path(resolve_model(str(params["model"]))).resolve())
    except ConfigError as exc:
        return str(exc)
    return None


def detector_label(params: dict[str, Any], entry: dict[str, Any]) -> str:
    """`yolo11n/openvino/640`, plus any other parameter the spec set (`conf=0.1`)."""
    model = str(params.get("model", params["type"]))
    name = Path(model).name.removesuffix("_openvino_model")
    name = Path(name).stem if Path(name).suffix in (".pt", ".onnx", ".engine") else name
    name = name.removesuffix("_from_int8")
    parts = [name, str(params.get("backend") or _native_backend(model))]
    if "imgsz" in params:
        parts.append(str(params["imgsz"]))
    extra = [f"{k}={entry[k]}" for k in entry if k not in LABEL_KEYS]
    return "/".join(parts) + (" " + " ".join(extra) if extra else "")


def tracker_label(entry: dict[str, Any]) -> str:
    """`bytetrack`, plus any parameter the spec set."""
    extra = [f"{k}={v}" for k, v in entry.items() if k != "type"]
    return str(entry["type"]) + (" " + " ".join(extra) if extra else "")


def _native_backend(model: str) -> str:
    from detect.detectors.backend_choice import format_of

    kind = format_of(model)
    return "torch" if kind == "pt" else kind


def list_fields(params: type[BaseModel]) -> set[str]:
    """Fields whose own value is a list or tuple (their variants are lists of lists)."""
    return {name for name, info in params.model_fields.items() if _takes_sequence(info.annotation)}


def expand(entry: dict[str, Any], sequence_fields: Iterable[str]) -> list[dict[str, Any]]:
    """Every combination of the entry's list values, in the order written (first key varies slowest)."""
    sequence_fields = set(sequence_fields)
    axes = []
    for key, value in entry.items():
        if _is_variants(value, key in sequence_fields):
            axes.append([(key, item) for item in value])
        else:
            axes.append([(key, value)])
    return [dict(choice) for choice in itertools.product(*axes)]


def _is_variants(value: Any, takes_sequence: bool) -> bool:
    if not isinstance(value, list) or not value:
        return False
    return all(isinstance(item, list) for item in value) if takes_sequence else True


def _takes_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_takes_sequence(arg) for arg in typing.get_args(annotation))
    return False
