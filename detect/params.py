"""Base class for every stage's parameters: unknown keys are errors, values are checked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class StageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """No path, name or URL can hold a NUL byte; refused here, every OS call on it would raise."""
        strings = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(item, str) and "\0" in item for item in strings):
            raise ValueError("must not contain a NUL byte")
        return value
