"""Reading annotation files: the one input error, delimited numeric rows, and MOTChallenge `seqinfo.ini`.

Every problem with a ground-truth or prediction file is an `EvalInputError` naming
the file (and line), so the CLI can print it as a single line.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detect.errors import DetectError


class EvalInputError(DetectError):
    """A ground-truth or prediction file cannot be read, or the two do not fit together."""


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


def ltwh_to_xyxy(ltwh: np.ndarray) -> np.ndarray:
    """MOTChallenge/COCO `left, top, width, height` boxes as corners."""
    xyxy = np.asarray(ltwh, dtype=np.float64).reshape(-1, 4).copy()
    xyxy[:, 2:] += xyxy[:, :2]
    return xyxy


@dataclass(frozen=True)
class SeqInfo:
    """The fields of `[Sequence]` that evaluation needs."""

    name: str
    length: int
    width: int | None
    height: int | None
    frame_rate: float | None


def read_seqinfo(path: str | Path) -> SeqInfo:
    """Parse a seqinfo.ini; `seqLength` is required, the rest optional."""
    path = Path(path)
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        section = parser["Sequence"]
        length = int(section["seqLength"])
    except (configparser.Error, KeyError, ValueError) as exc:
        problem = f"[Sequence] seqLength missing or bad: {exc}"
        raise EvalInputError(f"{path}: not a MOTChallenge seqinfo.ini ({problem})") from exc

    def number(key: str, kind: type) -> int | float | None:
        value = section.get(key)
        try:
            return kind(value) if value not in (None, "") else None
        except ValueError as exc:
            raise EvalInputError(f"{path}: {key}={value!r} is not a number") from exc

    return SeqInfo(
        name=section.get("name", path.parent.name),
        length=length,
        width=number("imWidth", int),
        height=number("imHeight", int),
        frame_rate=number("frameRate", float),
    )


def find_seqinfo(annotation_file: str | Path) -> SeqInfo | None:
    """The seqinfo.ini of the sequence an annotation file belongs to (its folder or the one above)."""
    here = Path(annotation_file).resolve().parent
    for folder in (here, here.parent):
        candidate = folder / "seqinfo.ini"
        if candidate.is_file():
            return read_seqinfo(candidate)
    return None
