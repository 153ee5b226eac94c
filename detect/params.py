"""Base class for every stage's parameters: unknown keys are errors, values are checked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


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


CONFIG_PATH = "config_path"
"""The json_schema_extra key that marks a parameter as a file path (see config_paths.py)."""


def path_field(default: Any = ..., *, description: str, bare_name_is_lookup: bool = False) -> Any:
    """A parameter holding a file or folder path: relative paths in a YAML config resolve against
    the config's folder. `bare_name_is_lookup`: a name without a folder (`yolo11n.pt`) is looked
    up elsewhere ($DETECT_MODELS_DIR) and is left as it is."""
    kind = "name_or_path" if bare_name_is_lookup else "path"
    return Field(default, description=description, json_schema_extra={CONFIG_PATH: kind})
