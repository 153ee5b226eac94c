"""The one error evaluation raises for bad input, so the CLI can print it as a single line."""

from __future__ import annotations

from detect.errors import DetectError


class EvalInputError(DetectError):
    """A ground-truth or prediction file cannot be read, or the two do not fit together."""
