"""Error hierarchy: anything a user can cause is a DetectError and prints as one line; the exit
codes every command uses; and the helpers that make those lines ("did you mean", a missing extra)."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable
from types import ModuleType

EXIT_OK = 0
"""Everything asked for was done: a file processed to its end, a live run stopped by a signal."""
EXIT_BUG = 1
"""A bug in detect (a traceback is printed): please report it."""
EXIT_USER_ERROR = 2
"""A problem with the input (config, paths, media, model): one `error:` line on stderr."""
EXIT_PARTIAL = 3
"""The run completed its outputs but did not cover the whole input: a file run stopped early
(Ctrl-C, SIGTERM, the display closed), frames lost to damage, or no frame at all; in a
multi-stream run, at least one stream did not cover its input (failed, damaged, stopped)."""
EXIT_INTERRUPTED = 130
"""Interrupted during start-up, before the first frame: nothing was written."""


class DetectError(Exception):
    """Base for errors the CLI reports as one clear line (no traceback)."""


MESSAGE_CHARS = 400
"""An echo of user input is cut here: a 1 MB class name must not make a 1 MB error line."""
SHOWN_PROBLEMS = 12


def clip(text: str, limit: int = MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


class ConfigError(DetectError):
    """A configuration problem; may carry several messages found at once."""

    def __init__(self, messages: str | list[str], path: str | None = None) -> None:
        self.messages = [clip(m) for m in ([messages] if isinstance(messages, str) else messages)]
        self.path = path
        prefix = f"{clip(path, 200)}: " if path else ""
        if len(self.messages) == 1:
            text = prefix + self.messages[0]
        else:
            shown = self.messages[:SHOWN_PROBLEMS]
            more = len(self.messages) - len(shown)
            text = prefix + f"{len(self.messages)} problems: " + "; ".join(shown) + (f"; and {more} more" if more else "")
        super().__init__(text)


class SourceError(DetectError):
    """A source cannot be opened or read (missing file, not a video, no camera)."""


class StageError(DetectError):
    """A stage failed at run time; names the stage and the frame."""

    def __init__(self, stage: str, frame_index: int | None, cause: BaseException, phase: str = "at start-up") -> None:
        self.stage = stage
        self.frame_index = frame_index
        self.cause = cause
        if isinstance(cause, DetectError):
            where = f" at frame {frame_index}" if frame_index is not None else ""
            super().__init__(f"{stage}{where}: {cause}")
            return
        where = f"at frame {frame_index}" if frame_index is not None else phase
        detail = clip(str(cause) or type(cause).__name__)
        super().__init__(f"{stage} failed {where}: {type(cause).__name__}: {detail}")


def close_matches(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.5) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=cutoff)


def did_you_mean(word: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.5) -> str:
    """`did you mean 'x'? ` (or `'x', 'y'`), or '' when nothing is close; ends with a space."""
    close = close_matches(word, choices, n, cutoff)
    return f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""


EXTRAS = {
    "fast": "fast CPU backends (OpenVINO, ONNX Runtime, INT8 export)",
    "eval": "evaluation and benchmarks (TrackEval, pycocotools, matplotlib)",
    "api": "conversions of Python API results to supervision",
    "batch": "detect batch on a Ray cluster",
    "tta": "flip test-time augmentation (weighted box fusion from ensemble-boxes)",
}


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module` or fail with `pip install "detect[extra]"` in the message."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(f"{purpose} needs the '{module.split('.')[0]}' package, which is not installed "
                          f"({exc.name or module}); install it with: pip install \"detect[{extra}]\"") from exc
