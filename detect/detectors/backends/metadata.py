"""Read the class names and export settings Ultralytics writes beside or inside exported models."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml


def names_tuple(names: Any) -> tuple[str, ...]:
    if isinstance(names, str):
        names = ast.literal_eval(names)
    if isinstance(names, dict):
        return tuple(str(names[k]) for k in sorted(names, key=int))
    return tuple(str(n) for n in names)


def read_metadata_yaml(folder: Path) -> dict[str, Any]:
    meta = folder / "metadata.yaml"
    return yaml.safe_load(meta.read_text()) if meta.is_file() else {}


def imgsz_tuple(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = ast.literal_eval(value)
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[1])
