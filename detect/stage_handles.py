"""A built stage with its place in the config, and the wrappers every call to a stage goes
through: failures named after the stage, sinks told to `fail()` before `close()`.

Kept apart from pipeline.py because a multi-stream run (multi_runtime.py) builds, shares and
closes stages with the same rules.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from detect.config import StageSpec
from detect.contract import Detector, Sink, Stage
from detect.errors import ConfigError, DetectError, StageError
from detect.types import Detections, SourceInfo

S = TypeVar("S", bound=Stage)


@dataclass
class Named(Generic[S]):
    """A built stage and where it sits in the config (`sinks[1] (jsonl)`), for error messages."""

    name: str
    stage: S


@dataclass
class StreamParts:
    """What a stream of a multi-stream run gets from the run: its name, the shared detector and
    shared sinks (by sink index), the scheduler's `infer` (images, and for a live stream a
    `newest()` the scheduler calls as it builds the batch -> detections and timings), its frames
    per request, and `ready(info)`, called once its source is open (the run opens the shared
    detector for the first stream that gets there)."""

    name: str
    detector: Named[Detector]
    sinks: dict[int, Named[Sink]]
    infer: Callable[[list[np.ndarray], Callable[[], np.ndarray | None] | None],
                    tuple[list[Detections], Mapping[str, float]]]
    batch: int
    ready: Callable[[SourceInfo], None]


def close_stage(item: Named) -> None:
    """Errors while closing (a full disk at the last flush) are one line naming the stage too."""
    with stage_errors(item.name, None, "while closing"):
        item.stage.close()


def sink_closer(item: Named[Sink]) -> Callable[..., bool]:
    """An ExitStack exit for a sink: on any failure the sink hears `fail()` before `close()`
    (a file sink then replaces no existing file)."""

    def exit_(exc_type: type[BaseException] | None, *_: object) -> bool:
        if exc_type is not None:
            item.stage.fail()
        close_stage(item)
        return False

    return exit_


def named_stage(spec: StageSpec) -> Named:
    return Named(f"{spec.where} ({spec.type})", spec.build())


@contextlib.contextmanager
def stage_errors(name: str, frame_index: int | None, phase: str = "at start-up") -> Iterator[None]:
    """Any failure inside a stage call becomes one StageError naming the stage, the frame and
    the phase (config errors and interrupts pass through unchanged)."""
    try:
        yield
    except (StageError, KeyboardInterrupt):
        raise
    except DetectError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise StageError(name, frame_index, exc, phase) from exc
    except Exception as exc:
        raise StageError(name, frame_index, exc, phase) from exc
