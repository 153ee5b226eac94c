"""What sinks that write one file share: the path, and naming it among the run's outputs."""

from __future__ import annotations

from detect.contract import Sink


class FileSink(Sink):
    """A sink writing the file at `params.path` (set as `self.path` by the subclass)."""

    def outputs(self) -> list[str]:
        return [str(self.path)]
