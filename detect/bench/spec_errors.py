"""pydantic errors of the bench spec as the project prints config problems: `clips[0].gt: ...`.

Unknown keys get a did-you-mean and the allowed keys of the mapping they appear in,
so a typo in a nested section lists that section's keys, not the top level's.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError


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
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"{place}: unknown key '{key}' ({hint}allowed: {', '.join(allowed)})"
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
