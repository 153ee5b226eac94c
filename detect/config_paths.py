"""Relative paths in a YAML config resolve against the config file's folder.

Like docker-compose and DeepStream: a config names its inputs and outputs from where it lies, so
`detect run /abs/configs/dashcam.yaml` reads and writes the same files from any working
directory. Values typed on the command line (`--source`, `--out`, `--model`, `--set`) and a
`Pipeline.from_dict` mapping are relative to the current directory: they are applied after this.

Which values are paths is declared by the stages themselves (`params.path_field`); a model
name without a folder (`yolo11n.pt`) stays a name, looked up in $DETECT_MODELS_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from detect.config import LIST_ROLES, SINGLE_ROLES, load_yaml
from detect.errors import ConfigError
from detect.params import CONFIG_PATH
from detect.registry import REGISTRIES


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A pipeline YAML as a mapping, its relative paths resolved against its folder."""
    return resolve_config_paths(load_yaml(path), path)


def resolve_config_paths(data: dict[str, Any], config_file: str | os.PathLike[str]) -> dict[str, Any]:
    """`data` (modified in place) with every relative path parameter joined to the config's folder.

    The result stays relative when the config path was (`configs/../runs/x.mp4` is `runs/x.mp4`),
    so messages and the summary show the paths a user would type. Stages with an unknown type
    or a wrong shape are left for `config.parse` to report."""
    base = Path(config_file).parent
    for key, role in SINGLE_ROLES.items():
        _resolve_stage(data.get(key), role, base)
    for key, role in LIST_ROLES.items():
        items = data.get(key)
        if isinstance(items, list):
            for item in items:
                _resolve_stage(item, role, base)
    _resolve_streams(data, base)
    return data


def _resolve_streams(data: dict[str, Any], base: Path) -> None:
    """A multi-stream config (streams.py): each stream's source, and the sections in `overrides`."""
    streams = data.get("streams")
    if isinstance(streams, dict):
        for name, source in streams.items():
            if isinstance(source, str):
                streams[name] = relative_to(base, source)
            else:
                _resolve_stage(source, "source", base)
    overrides = data.get("overrides")
    for sections in overrides.values() if isinstance(overrides, dict) else []:
        if not isinstance(sections, dict):
            continue
        for key, role in SINGLE_ROLES.items():
            _resolve_stage(sections.get(key), role, base)
        for key, role in LIST_ROLES.items():
            items = sections.get(key)
            for item in items if isinstance(items, list) else []:
                _resolve_stage(item, role, base)


def relative_to(base: Path, value: str, kind: str = "path") -> str:
    """`value` as seen from the current directory, given that it was written relative to `base`."""
    if not value or "://" in value or Path(value).expanduser().is_absolute():
        return value
    if kind == "name_or_path" and not _has_folder(value):
        return value
    return os.path.normpath(base / value)


def _resolve_stage(raw: Any, role: str, base: Path) -> None:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return
    try:
        cls = REGISTRIES[role].get(raw["type"])
    except ConfigError:
        return
    if cls is None:
        return
    for name, info in cls.Params.model_fields.items():
        extra = info.json_schema_extra
        kind = extra.get(CONFIG_PATH) if isinstance(extra, dict) else None
        if kind and isinstance(raw.get(name), str):
            raw[name] = relative_to(base, raw[name], str(kind))


def _has_folder(value: str) -> bool:
    return "/" in value or os.sep in value
