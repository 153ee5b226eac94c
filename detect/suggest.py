"""'Did you mean ...?': the one place that turns a near miss into a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.5) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def did_you_mean(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.5) -> str:
    """`did you mean 'x'? ` (or `'x', 'y'`), or '' when nothing is close; ends with a space."""
    close = close_matches(word, choices, n, cutoff)
    return f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
