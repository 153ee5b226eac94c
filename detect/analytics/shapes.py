"""Named zones and counting lines as users write them in YAML (pixel coordinates)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import Field, model_validator

from detect.params import StageParams

NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
Anchor = Literal["bottom_center", "center"]


class ZoneSpec(StageParams):
    """A polygon; a track is inside when its anchor point is."""

    name: str = Field(pattern=NAME_PATTERN, description="Used in events and the `zone_<name>` column")
    polygon: list[tuple[float, float]] = Field(min_length=3, description="Corners in pixels, in order")
    classes: list[str] | None = Field(None, description="Only these classes (default: all)")
    anchor: Anchor = Field("bottom_center", description="Which point of a box decides membership")


class LineSpec(StageParams):
    """A directed segment; crossing from its right side to its left (as seen on screen) is "in"."""

    name: str = Field(pattern=NAME_PATTERN, description="Used in events")
    start: tuple[float, float] = Field(description="First end point in pixels")
    end: tuple[float, float] = Field(description="Second end point in pixels")
    classes: list[str] | None = Field(None, description="Only these classes (default: all)")
    anchor: Anchor = Field("bottom_center", description="Which point of a box must cross the line")

    @model_validator(mode="after")
    def _not_a_point(self) -> Any:
        if self.start == self.end:
            raise ValueError(f"line '{self.name}': start and end are the same point")
        return self


def unique_names(names: list[str], what: str) -> None:
    """Names key events and columns, so two shapes may not share one."""
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise ValueError(f"{what} names must be unique; repeated: {', '.join(duplicates)}")
