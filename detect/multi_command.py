"""`detect run` and `detect validate` on a config with `streams:` (or several `--source`).

Exit codes of a multi-stream run (errors.py): 0 when every stream covered its whole input (a
live stream: until stopped); 3 when at least one stream did not (failed, damaged input, no
frame, a file stopped early) while at least one stream ran; 2 when no stream ran at all
(every one failed, each named on its own `error:` line); 1 when a stream met a bug (a
traceback is logged).
"""

from __future__ import annotations

import sys
from typing import Any

from detect.errors import (
    EXIT_BUG,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USER_ERROR,
    ConfigError,
    DetectError,
)
from detect.redaction import redact_text


def run_streams(data: dict[str, Any], path: str | None, quiet: bool) -> int:
    from detect.cli import stop_signals
    from detect.multi_runtime import MultiPipeline, stream_complete, summary_lines
    from detect.streams import parse_streams

    run = MultiPipeline(parse_streams(data, path))
    with stop_signals(run):
        outcomes = run.run()
    for outcome in outcomes:
        for warning in outcome.result.warnings:
            print(f"warning: stream {outcome.name}: {warning}", file=sys.stderr)
        if outcome.error is not None:
            print(f"error: stream {outcome.name}: {redact_text(str(outcome.error))}", file=sys.stderr)
    lines = summary_lines(outcomes)
    complete = sum(stream_complete(o) for o in outcomes)
    print(f"done: {complete} of {len(outcomes)} streams complete; detector: {run.scheduler.calls} calls, "
          f"{run.scheduler.images} images ({run.scheduler.images / max(1, run.scheduler.calls):.1f} per call)")
    for line in lines:
        print(f"  {line}")
    if any(o.error is not None and not isinstance(o.error, DetectError) for o in outcomes):
        return EXIT_BUG
    if complete == len(outcomes):
        return EXIT_OK
    if all(o.error is not None and o.result.frames == 0 for o in outcomes):
        return EXIT_USER_ERROR
    return EXIT_PARTIAL


def validate_streams(config_path: str, overrides: list[str], sources: list[str]) -> int:
    """Every stream's stages checked as `detect validate` checks one pipeline, and the outputs
    of all streams together; every problem of every stream in one ConfigError."""
    from detect.config import apply_overrides
    from detect.config_paths import read_config
    from detect.streams import parse_streams, plan_outputs, sources_as_streams
    from detect.validate import check_resources

    data = apply_overrides(read_config(config_path), overrides)
    if sources:
        data = sources_as_streams(data, sources)
    configs = parse_streams(data, config_path)
    problems: list[str] = []
    for stream in configs:
        try:
            check_resources(stream.config)
        except ConfigError as exc:
            problems.extend(f"streams.{stream.name}: {m}" for m in exc.messages)
    planned = [(c.name, c.config.source.build(), [(s.where, s.build()) for s in c.config.sinks]) for c in configs]
    problems.extend(plan_outputs(planned)[1])
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)), path=config_path)
    return len(configs)
