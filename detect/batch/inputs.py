"""What `--inputs` names: a folder (recursive), a glob, a manifest (CSV or TXT) or one video;
each input gets its own output folder, named after its place in the input tree."""

from __future__ import annotations

import csv
import glob
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from detect.errors import ConfigError, clip

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".m4v", ".webm", ".ts", ".mts", ".mpg", ".mpeg",
                            ".flv", ".wmv", ".3gp"})
"""What a folder given as `--inputs` contributes (a glob or a manifest takes what it names)."""
MANIFEST_SUFFIXES = frozenset({".csv", ".txt"})


@dataclass(frozen=True)
class BatchInput:
    """One file to process: its path, its output folder under `--out`, an optional segment."""

    path: str
    """Absolute."""
    name: str
    """The output folder relative to `--out` (POSIX): the input's path under its root, no suffix."""
    start: float | None = None
    end: float | None = None


def collect_inputs(spec: str) -> list[BatchInput]:
    """Every input `spec` names, in a stable order; a spec that names nothing is a user error."""
    path = Path(spec)
    if any(ch in spec for ch in "*?["):
        files = sorted(Path(p).resolve() for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        segments = [(f, None, None) for f in files]
        root = _glob_root(spec)
    elif path.is_dir():
        files = sorted(p.resolve() for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
        segments = [(f, None, None) for f in files]
        root = path.resolve()
    elif path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
        segments = read_manifest(path)
        root = Path(os.path.commonpath([str(f.parent) for f, _, _ in segments])) if segments else path.parent
    elif path.is_file():
        segments = [(path.resolve(), None, None)]
        root = path.resolve().parent
    else:
        raise ConfigError(f"--inputs: {clip(spec, 200)} is not a folder, a glob, a manifest (.csv, .txt) or a file")
    if not segments:
        raise ConfigError(f"--inputs: {clip(spec, 200)} names no video file")
    return _named(segments, root)


def read_manifest(path: Path) -> list[tuple[Path, float | None, float | None]]:
    """CSV with a `path` column (optional `start`, `end` seconds), or TXT with one path per line
    (`#` comments); relative paths resolve against the manifest's folder."""
    base = path.resolve().parent
    rows: list[tuple[Path, float | None, float | None]] = []
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--inputs: cannot read the manifest {path}: {exc}") from None
    if path.suffix.lower() == ".txt":
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append(((base / line).resolve(), None, None))
        return rows
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    if "path" not in columns:
        raise ConfigError(f"--inputs: the manifest {path} has no 'path' column (columns: {', '.join(columns) or 'none'})")
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not row.get("path"):
            problems.append(f"line {number}: no path")
            continue
        start, end = (_seconds(row.get(key, ""), key, number, problems) for key in ("start", "end"))
        if start is not None and end is not None and end <= start:
            problems.append(f"line {number}: end ({end}) must be after start ({start})")
        rows.append(((base / row["path"]).resolve(), start, end))
    if problems:
        raise ConfigError([f"--inputs: {path} {p}" for p in problems])
    return rows


def _seconds(text: str, key: str, number: int, problems: list[str]) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(f"line {number}: {key} must be seconds >= 0, got {clip(text, 40)!r}")
        return None
    return value


def _glob_root(spec: str) -> Path:
    """The folder part of a glob before its first wildcard: `clips/**/*.mp4` -> clips."""
    parts = Path(spec).parts
    fixed = [p for p in parts[:next(i for i, p in enumerate(parts) if any(ch in p for ch in "*?["))]]
    return Path(*fixed).resolve() if fixed else Path.cwd()


def _named(segments: list[tuple[Path, float | None, float | None]], root: Path) -> list[BatchInput]:
    """Output folders mirror the input tree without suffixes (clips/a/b.mp4 -> a/b); where that
    would collide (b.mp4 and b.mov, or two segments of one file) the name says more."""
    def relative(path: Path) -> Path:
        try:
            return path.relative_to(root)
        except ValueError:
            return Path(*path.parts[1:])

    stems = [relative(p).with_suffix("").as_posix() for p, _, _ in segments]
    files = [relative(p).as_posix() for p, _, _ in segments]
    stem_count, file_count = Counter(stems), Counter(files)
    out = []
    for (path, start, end), stem, file in zip(segments, stems, files):
        name = stem if stem_count[stem] == 1 else file.replace(".", "_") if file_count[file] == 1 else stem
        if file_count[file] > 1:
            name = f"{name}_{_tag(start or 0.0)}-{_tag(end)}"
        out.append(BatchInput(str(path), name, start, end))
    names = Counter(item.name for item in out)
    repeated = [n for n, count in names.items() if count > 1]
    if repeated:
        raise ConfigError(f"--inputs: the same input and segment is listed more than once: {clip(repeated[0], 200)}")
    return out


def _tag(seconds: float | None) -> str:
    return "end" if seconds is None else f"{seconds:g}s"
