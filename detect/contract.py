"""The stage contract: every member the runtime calls, one base class per role.

A stage is a class with a pydantic `Params` model, built as `Stage(params)`. Subclass the
role's base here (the optional members then have their defaults), or provide every member
yourself: `registry.register` and entry-point loading check a class against its role's
contract and refuse it with one line naming what is missing. Stage code is synchronous and
never sees a thread or a queue (runtime.py owns those); a stage that must end the run early
(a display window closed by the user) asks the run's `StopToken`, handed over by `attach`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from detect.params import StageParams
from detect.types import Detections, Event, Frame, Packet, SourceInfo

if TYPE_CHECKING:
    from detect.runtime import StopToken


class Stage(ABC):
    """What every role shares: the validated params, and the run's stop token once attached."""

    Params: ClassVar[type[StageParams]]
    stop_token: StopToken | None = None

    def __init__(self, params: StageParams) -> None:
        self.params = params

    def attach(self, stop: StopToken) -> None:
        """Called once before `open`; keep the token to request a stop of the whole run."""
        self.stop_token = stop

    def check(self) -> None:
        """`detect validate`: cheap checks before a run (files exist, names resolve); no decoding
        or inference. Raise ConfigError (several messages at once where there are several)."""


class Source(Stage):
    """Frames in order. `live` sources get the newest-frame policy (stale frames are dropped)."""

    live: bool = False
    stopped_early: str | None = None
    """Set when the source ended before its announced end (a truncated file): becomes a warning."""

    @abstractmethod
    def open(self) -> SourceInfo:
        ...

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        ...

    @abstractmethod
    def close(self) -> None:
        ...

    def check_by_opening(self, where: str) -> None:
        """A `check()` for file sources: open as a run would (container header and first
        picture; no full decoding), so that what `validate` passes, `run` can open."""
        from detect.errors import ConfigError, SourceError

        try:
            self.open()
        except SourceError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        finally:
            self.close()

    def input_paths(self) -> list[str]:
        """Files this source reads (cheap, no decoding): no output may ever overwrite one."""
        return []

    def take_events(self) -> list[Event]:
        """Events since the last call (a reconnect gap); they ride on the next frame's packet."""
        return []

    def interrupt(self) -> None:
        """Wake a read that waits for a camera; must only set a flag (runs from a signal handler)."""

    def live_report(self) -> list[str]:
        """Lines for the end-of-run summary (granted camera settings, reconnects)."""
        return []

    def warnings(self) -> list[str]:
        """Problems met while reading that did not end it (damaged packets or unreadable images
        skipped), asked once after the last frame: each becomes a run warning. Naming and
        counting what was skipped is how a run that goes on still tells the user."""
        return []


class Detector(Stage):
    """Images in, one `Detections` per image out; `labels` are the model's class names."""

    labels: tuple[str, ...] = ()
    backend_name: str = ""
    load_seconds: float = 0.0
    last_timings: Mapping[str, float] = MappingProxyType({})
    """Seconds per phase of the last `detect` call (preprocess, inference, postprocess)."""

    @property
    def batch(self) -> int:
        """Frames per `detect` call for file sources."""
        return 1

    @property
    def detect_every(self) -> int:
        """Run on every Nth frame; the tracker carries boxes in between. Read after `open()`."""
        return 1

    @abstractmethod
    def open(self, info: SourceInfo | None = None) -> None:
        ...

    def warmup(self) -> None:
        """One inference on a blank image so the first frame's latency is not start-up."""

    @abstractmethod
    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        ...

    @abstractmethod
    def close(self) -> None:
        ...


@dataclass
class Prepared:
    """Images made into one network input (`blob`, images first) and what `finish` needs to turn
    the network's output back into boxes on those images (`placement`)."""

    blob: np.ndarray
    placement: Any
    seconds: float
    """Time the preparation took (reported as the frames' `preprocess`)."""


@runtime_checkable
class PhasedDetector(Protocol):
    """A detector whose `detect` is prepare -> infer -> finish. A multi-stream run prepares and
    finishes each stream's frames in that stream's thread and runs only `infer_prepared` (one
    call over every stream's blobs) in its scheduler thread, so the network never waits for
    resizing or box decoding. Optional: any other detector is run through `detect`."""

    concurrent_calls: int
    """`infer_prepared` calls that may run at once (read after `open`): 2 when the engine runs
    a batch's frames in parallel (throughput mode), so a second call is queued while the first
    runs and no core waits for the gathering of the next; else 1."""

    def prepare(self, images: Sequence[np.ndarray]) -> Prepared: ...

    def infer_prepared(self, blob: np.ndarray) -> np.ndarray: ...

    def finish(self, prepared: Prepared, raw: np.ndarray) -> list[Detections]: ...


class Tracker(Stage):
    """Detections in, the same detections with `tracker_id` out; each instance owns its ids."""

    assigns_ids: bool = True
    """False for a pass-through (`none`): the summary then reports no track count."""

    fill_gaps_s: float = 0.0
    """Seconds a track may go unseen and, found again, get the missed frames' boxes filled in
    (trackers/gap_filling.py): the pipeline holds that long of frames back on a file source."""

    @abstractmethod
    def update(self, detections: Detections, frame: Frame) -> Detections:
        ...

    def predict(self, frame: Frame, fraction: float) -> Detections:
        """Boxes for a frame the detector skipped (`detect_every`); none by default."""
        return Detections.empty()

    @abstractmethod
    def reset(self) -> None:
        ...


class Analytics(Stage):
    """Adds columns and events to a packet; never changes boxes, classes or ids."""

    @abstractmethod
    def process(self, packet: Packet) -> Packet:
        ...


class Annotator(Stage):
    """Draws on the canvas (a copy of the frame) and returns it. Text goes where
    `packet.layout` (annotators/layout.py) has room, and is claimed there."""

    overlay: bool = False
    """Drawn after every other annotator whatever the config order (the HUD): nothing covers it."""

    @abstractmethod
    def annotate(self, canvas: np.ndarray, packet: Packet) -> np.ndarray:
        ...

    def reserve(self, packet: Packet) -> None:
        """Before any annotator draws on this frame: claim in `packet.layout` the rectangles an
        overlay will paint, so text drawn earlier keeps clear of them."""


class Sink(Stage):
    """Writes packets somewhere; `outputs()` names the files it made, for the summary."""

    @abstractmethod
    def open(self, info: SourceInfo) -> None:
        ...

    @abstractmethod
    def write(self, packet: Packet) -> None:
        ...

    @abstractmethod
    def close(self) -> None:
        ...

    def outputs(self) -> list[str]:
        return []

    def fail(self) -> None:
        """The run failed; `close()` follows. A file sink then keeps any existing file intact."""


BASES: dict[str, type[Stage]] = {
    "source": Source, "detector": Detector, "tracker": Tracker,
    "analytics": Analytics, "annotator": Annotator, "sink": Sink,
}


def missing_members(role: str, cls: type) -> list[str]:
    """Members of the role's contract that `cls` lacks: the abstract ones for a subclass of the
    base, every member (optional ones included, the runtime calls them) for any other class."""
    base = BASES[role]
    if not isinstance(cls, type):
        return ["(not a class)"]
    if issubclass(cls, base):
        return sorted(cls.__abstractmethods__)
    names = [name for name in dir(base) if not name.startswith("_") or name == "__iter__"]
    return sorted(name for name in names if name not in ("Params", "stop_token") and not hasattr(cls, name))
