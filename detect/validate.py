"""Checks `detect validate` makes beyond the schema: files exist, model and classes resolve."""

from __future__ import annotations

from pathlib import Path

from detect.config import PipelineConfig
from detect.errors import ConfigError, DetectError


def check_resources(config: PipelineConfig) -> None:
    """Cheap checks only: no decoding, no inference. All problems reported together."""
    problems: list[str] = []
    source_path = getattr(config.source.params, "path", None)
    if config.source.type == "video" and source_path and not Path(source_path).is_file():
        problems.append(f"{config.source.where}.path: video not found: {source_path}")
    detector = config.detector.build()
    check = getattr(detector, "check", None)
    if check is not None:
        try:
            check()
        except ConfigError as exc:
            problems.extend(exc.messages)
        except DetectError as exc:
            problems.append(f"{config.detector.where}: {exc}")
    if problems:
        raise ConfigError(problems, path=config.path)
