"""Name -> stage class, one registry per role; plugins arrive through entry points.

Every class, built-in or plugin, is checked against its role's contract (contract.py) and must
have a pydantic `Params`. A plugin that fails to import or to meet the contract is kept aside
with its one-line reason: other runs go on, and a config that names it gets that line.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

from pydantic import BaseModel

from detect.contract import missing_members
from detect.errors import ConfigError, did_you_mean

ROLES = ("source", "detector", "tracker", "analytics", "annotator", "sink")

T = TypeVar("T")


class Registry:
    """A dict of stage classes for one role, refusing duplicates and contract breaches."""

    def __init__(self, role: str) -> None:
        self.role = role
        self._classes: dict[str, type] = {}
        self.broken: dict[str, str] = {}
        self._plugins_loaded = False

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def decorate(cls: type[T]) -> type[T]:
            if name in self._classes:
                raise ValueError(f"{self.role} '{name}' is already registered by {self._classes[name].__qualname__}")
            problem = self.contract_problem(cls)
            if problem:
                raise TypeError(f"{self.role} '{name}' ({getattr(cls, '__qualname__', cls)}) {problem}")
            self._classes[name] = cls
            return cls

        return decorate

    def contract_problem(self, cls: Any) -> str:
        """'' when `cls` can serve as a stage of this role, else what is wrong."""
        params = getattr(cls, "Params", None)
        if not (isinstance(params, type) and issubclass(params, BaseModel)):
            return "must define a pydantic Params model"
        missing = missing_members(self.role, cls)
        if missing:
            return f"does not meet the {self.role} contract: missing {', '.join(missing)}"
        return ""

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._classes)

    def get(self, name: str) -> type | None:
        """The class, None when unknown; a broken plugin of that name raises its one-line reason."""
        if name not in self._classes:
            self._load_plugins()
        if name in self.broken:
            raise ConfigError(self.broken[name])
        return self._classes.get(name)

    def suggest(self, name: str) -> str:
        return f"{did_you_mean(name, self.names())}available: {', '.join(self.names())}"

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=f"detect.{self.role}"):
            if ep.name not in self._classes:
                self._load(ep)

    def _load(self, ep: EntryPoint) -> None:
        where = f"plugin {self.role} '{ep.name}' ({ep.value}"
        where += f", package {ep.dist.name})" if ep.dist is not None else ")"
        try:
            cls = ep.load()
        except Exception as exc:
            self.broken[ep.name] = f"{where} failed to import: {type(exc).__name__}: {exc}"
            return
        problem = self.contract_problem(cls)
        if problem:
            self.broken[ep.name] = f"{where} {problem}"
        else:
            self._classes[ep.name] = cls


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
