"""Name -> stage class, one registry per role; plugins arrive through entry points."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel

ROLES = ("source", "detector", "tracker", "analytics", "annotator", "sink")

T = TypeVar("T")


class Registry:
    """A dict of stage classes for one role, refusing duplicate names."""

    def __init__(self, role: str) -> None:
        self.role = role
        self._classes: dict[str, type] = {}
        self._plugins_loaded = False

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def decorate(cls: type[T]) -> type[T]:
            if name in self._classes:
                raise ValueError(f"{self.role} '{name}' is already registered by {self._classes[name].__qualname__}")
            params = getattr(cls, "Params", None)
            if not (isinstance(params, type) and issubclass(params, BaseModel)):
                raise TypeError(f"{cls.__qualname__} must define a pydantic Params model")
            self._classes[name] = cls
            return cls

        return decorate

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._classes)

    def get(self, name: str) -> type | None:
        if name not in self._classes:
            self._load_plugins()
        return self._classes.get(name)

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"{hint}available: {', '.join(self.names())}"

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=f"detect.{self.role}"):
            if ep.name not in self._classes:
                self._classes[ep.name] = ep.load()


REGISTRIES: dict[str, Registry] = {role: Registry(role) for role in ROLES}

sources = REGISTRIES["source"]
detectors = REGISTRIES["detector"]
trackers = REGISTRIES["tracker"]
analytics = REGISTRIES["analytics"]
annotators = REGISTRIES["annotator"]
sinks = REGISTRIES["sink"]


def describe(cls: Any) -> str:
    """First line of a stage's docstring, for `detect list`."""
    doc = (cls.__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""
