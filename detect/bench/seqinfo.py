"""MOTChallenge `seqinfo.ini`: how many frames a sequence has and its image size."""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from detect.bench.errors import EvalInputError


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
