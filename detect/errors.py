"""Error hierarchy: anything a user can cause is a DetectError and prints as one line."""

from __future__ import annotations


class DetectError(Exception):
    """Base for errors the CLI reports as one clear line (no traceback)."""


class ConfigError(DetectError):
    """A configuration problem; may carry several messages found at once."""

    def __init__(self, messages: str | list[str], path: str | None = None) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.path = path
        prefix = f"{path}: " if path else ""
        if len(self.messages) == 1:
            text = prefix + self.messages[0]
        else:
            text = prefix + f"{len(self.messages)} problems: " + "; ".join(self.messages)
        super().__init__(text)


class SourceError(DetectError):
    """A source cannot be opened or read (missing file, not a video, no camera)."""


class StageError(DetectError):
    """A stage failed at run time; names the stage and the frame."""

    def __init__(self, stage: str, frame_index: int | None, cause: BaseException) -> None:
        self.stage = stage
        self.frame_index = frame_index
        self.cause = cause
        if isinstance(cause, DetectError):
            where = f" at frame {frame_index}" if frame_index is not None else ""
            super().__init__(f"{stage}{where}: {cause}")
            return
        where = f"frame {frame_index}" if frame_index is not None else "start-up"
        detail = str(cause) or type(cause).__name__
        super().__init__(f"{stage} failed at {where}: {type(cause).__name__}: {detail}")
