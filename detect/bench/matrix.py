"""`backend: [torch, openvino]` in a detector entry means two detectors: expand such lists into a product.

A parameter that itself takes a list (`classes: [person, car]`) stays one value;
a list of lists (`classes: [[person], [person, bicycle]]`) gives one variant per inner list.
"""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel


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
