"""Reconnect timing for live sources: exponential backoff with jitter, bounded or forever.

Jitter spreads the retries of many clients that lost the same camera or server at the same
moment, so they do not all knock again in lock-step when it comes back.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import Field, model_validator

from detect.params import StageParams


class ReconnectParams(StageParams):
    """How a live source reopens after a stall or an error."""

    initial: float = Field(0.5, gt=0, le=60, description="seconds before the first reconnect attempt")
    max: float = Field(10.0, gt=0, le=600, description="longest wait between attempts (the doubling stops here)")
    max_attempts: int | None = Field(None, ge=0, description="give up (and end the run with an error) after this "
                                                             "many failed attempts in a row; null = retry forever")
    jitter: float = Field(0.25, ge=0, le=1, description="each wait is randomised by +/- this fraction")

    @model_validator(mode="after")
    def _max_not_below_initial(self) -> ReconnectParams:
        if self.max < self.initial:
            raise ValueError(f"max ({self.max}) must be at least initial ({self.initial})")
        return self


def delays(params: ReconnectParams, rng: random.Random | None = None) -> Iterator[float]:
    """Seconds to wait before attempt 1, 2, ...: initial, 2x, 4x, ... capped at max, jittered;
    ends after `max_attempts` values (never, when it is None)."""
    rng = rng or random.Random()
    attempt = 0
    while params.max_attempts is None or attempt < params.max_attempts:
        base = min(params.max, params.initial * 2.0 ** min(attempt, 60))
        yield max(0.0, base * (1 + rng.uniform(-params.jitter, params.jitter)))
        attempt += 1
