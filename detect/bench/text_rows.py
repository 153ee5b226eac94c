"""Numeric rows from delimited text files, with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from detect.bench.errors import EvalInputError


def read_text(path: Path, what: str) -> str:
    """The whole file as text; a missing or binary file becomes an EvalInputError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise EvalInputError(f"{path}: {what} not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"{path}: cannot read {what}: {exc}") from exc


def split_lines(text: str, sep: str | None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each non-blank line; `sep=None` splits on whitespace."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line:
            yield number, [field.strip() for field in line.split(sep)]


def numbers(fields: list[str], path: Path, line: int) -> list[float]:
    """Fields as floats, or an error pointing at the offending line."""
    try:
        return [float(field) for field in fields]
    except ValueError as exc:
        raise EvalInputError(f"{path}:{line}: expected numbers, got {','.join(fields)!r}") from exc


def first_line(path: Path) -> str:
    """The first non-blank line (enough to tell file formats apart)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    return line.strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"{path}: cannot read: {exc}") from exc
    return ""


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
