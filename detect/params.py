"""Base class for every stage's parameters: unknown keys are errors, values are checked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
