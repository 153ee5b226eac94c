"""What sinks that write one file share: a staging name, and publishing it without loss.

Every file sink writes under a hidden staging name (`.out.jsonl.partial`) and renames it into
place when closed, so a reader never sees half a file under the final name. A failed run
(the pipeline calls `fail()` before `close()`) never replaces an existing file: its partial
output goes to `NAME.incomplete.EXT` beside it, or away when it holds nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO

from detect.contract import Sink
from detect.errors import DetectError
from detect.redaction import redact_text

log = logging.getLogger(__name__)


def staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def incomplete_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.incomplete{path.suffix}")


class FileSink(Sink):
    """A sink writing the file at `params.path` (set as `self.path` by the subclass)."""

    path: Path
    failed = False
    published: Path | None = None
    _text: IO[str] | None = None

    def outputs(self) -> list[str]:
        """For the summary line, which is printed: redacted like everything that leaves."""
        return [redact_text(str(self.published or self.path))]

    def fail(self) -> None:
        self.failed = True

    def open_text(self, newline: str | None = None) -> IO[str]:
        """A text file at the staging name (closed and published by `close_text`)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._text = staging_path(self.path).open("w", encoding="utf-8", newline=newline)
        return self._text

    def close_text(self, written: int) -> None:
        if self._text is None:
            return
        text, self._text = self._text, None
        try:
            text.close()
        except OSError:
            Path(text.name).unlink(missing_ok=True)
            raise
        self.publish(Path(text.name), written)

    def publish(self, staged: Path, written: int) -> None:
        """Rename the staged file into place; see the module docstring for a failed run."""
        target = self.path
        if target.exists() and not target.is_file():
            staged.unlink(missing_ok=True)
            raise DetectError(f"{target} is not a regular file (a device, pipe or folder): not replaced")
        if self.failed:
            if not written:
                staged.unlink(missing_ok=True)
                return
            if target.exists():
                target = incomplete_path(target)
                log.warning("the run failed: %s is kept as it was; this run's partial output is %s",
                            self.path, target)
        os.replace(staged, target)
        self.published = target
