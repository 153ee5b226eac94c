"""Checks made before a run, beyond the schema: each stage's own `check()` (files exist, model
and classes resolve) and the outputs' safety (no output overwrites an input, no two sinks share
a file, every output can be written). All problems are reported together; no decoding, no
inference."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from detect.config import PipelineConfig, StageSpec
from detect.contract import Sink, Source, Stage
from detect.errors import ConfigError, DetectError, clip
from detect.sinks.base import FileSink
from detect.sinks.images import ImageFolderSink


def check_resources(config: PipelineConfig) -> None:
    """`detect validate`: every problem a run would meet before its first frame."""
    problems: list[str] = []
    built: list[tuple[str, Stage]] = []
    for spec in _specs(config):
        stage = spec.build()
        built.append((spec.where, stage))
        try:
            stage.check()
        except ConfigError as exc:
            problems.extend(exc.messages)
        except DetectError as exc:
            problems.append(f"{spec.where}: {exc}")
        except OSError as exc:
            problems.append(f"{spec.where}: {_os_problem(exc)}")
    source = built[0][1]
    assert isinstance(source, Source)
    problems.extend(output_problems(source, [(where, s) for where, s in built if isinstance(s, Sink)]))
    if problems:
        raise ConfigError(problems, path=config.path)


def output_problems(source: Source, sinks: Sequence[tuple[str, Sink]]) -> list[str]:
    """Outputs that would destroy an input, collide with each other, or cannot be written."""
    problems: list[str] = []
    inputs = {output_key(Path(p)): p for p in source.input_paths()}
    seen: dict[str, str] = {}
    for where, sink in sinks:
        if isinstance(sink, ImageFolderSink):
            problems.extend(_image_folder_problems(where, sink, inputs, seen))
            continue
        if not isinstance(sink, FileSink):
            continue
        path = sink.path
        key = output_key(path)
        if key in inputs:
            problems.append(f"{where}.path: {path} is an input of this run; writing it would destroy it "
                            "(choose another output path)")
        if key in seen:
            problems.append(f"{where}.path: {path} is also written by {seen[key]} (give each sink its own file)")
        seen.setdefault(key, where)
        problem = _unwritable(path)
        if problem:
            problems.append(f"{where}.path: {problem}")
    return problems


def _image_folder_problems(where: str, sink: ImageFolderSink, inputs: dict[str, str], seen: dict[str, str]) -> list[str]:
    """The images sink writes `<folder>/<input name>`: never into the folder the inputs are read from."""
    folder = sink.folder
    key = output_key(folder)
    problems = []
    if any(output_key(Path(p).parent) == key for p in inputs.values()):
        problems.append(f"{where}.path: {folder} holds this run's input images; writing there would replace "
                        "them (choose another output folder)")
    if key in seen:
        problems.append(f"{where}.path: {folder} is also written by {seen[key]} (give each sink its own folder)")
    seen.setdefault(key, where)
    if folder.exists() and not folder.is_dir():
        problems.append(f"{where}.path: {clip(str(folder), 200)} is a file; the images sink writes into a folder")
    else:
        problem = _unwritable(folder / ".detect-write-test")
        if problem:
            problems.append(f"{where}.path: {problem}")
    return problems


def output_key(path: Path) -> str:
    """One spelling per file: absolute, symlinks resolved, case as the filesystem keeps it."""
    try:
        return os.path.normcase(str(path.expanduser().resolve()))
    except (OSError, RuntimeError):  # too long, no permission; a symlink loop is a RuntimeError
        return os.path.normcase(str(path.expanduser().absolute()))


def _unwritable(path: Path) -> str:
    try:
        return _unwritable_path(path)
    except OSError as exc:
        return _os_problem(exc)


def _unwritable_path(path: Path) -> str:
    if path.is_dir():
        return f"{clip(str(path), 200)} is a folder; give a file name"
    if path.exists() and not path.is_file():
        return (f"{clip(str(path), 200)} is a device, pipe or socket, not a file; a sink writes a file "
                "and renames it into place, which would replace it")
    folder = path.expanduser().absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot create {clip(str(path), 200)}: {folder} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return f"cannot write in {folder} (read-only or no permission)"
    return ""


def _os_problem(exc: OSError) -> str:
    """A path the OS refuses to look at (too long, a symlink loop, no permission), in one line."""
    where = f" ({clip(str(exc.filename), 200)})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _specs(config: PipelineConfig) -> list[StageSpec]:
    tracker = [config.tracker] if config.tracker is not None else []
    return [config.source, config.detector, *tracker, *config.analytics, *config.annotators, *config.sinks]
