"""Checks `detect validate` makes beyond the schema: each stage's own `check()` (files exist,
model and classes resolve), all problems reported together; no decoding, no inference."""

from __future__ import annotations

from detect.config import PipelineConfig, StageSpec
from detect.errors import ConfigError, DetectError


def check_resources(config: PipelineConfig) -> None:
    problems: list[str] = []
    for spec in _specs(config):
        try:
            spec.build().check()
        except ConfigError as exc:
            problems.extend(exc.messages)
        except DetectError as exc:
            problems.append(f"{spec.where}: {exc}")
    if problems:
        raise ConfigError(problems, path=config.path)


def _specs(config: PipelineConfig) -> list[StageSpec]:
    tracker = [config.tracker] if config.tracker is not None else []
    return [config.source, config.detector, *tracker, *config.analytics, *config.annotators, *config.sinks]
