"""Rates from short noisy series: a least-squares line over a time window.

Under constant closing speed both the range and the inverse of a box's scale fall
linearly to zero at impact (scale = f * size / range), so a straight-line fit is the
right model for either, needs no lag correction, and averages out per-frame jitter.
"""

from __future__ import annotations

import math

import numpy as np

MIN_SPAN_S = 0.2


def fit_line(t: np.ndarray, y: np.ndarray, t_now: float, min_samples: int) -> tuple[float, float] | None:
    """(value at t_now, slope per second) of a least-squares line, or None if too little data."""
    if len(t) < max(min_samples, 2) or t[-1] - t[0] < MIN_SPAN_S:
        return None
    slope, value = np.polyfit(t - t_now, y, 1)
    return float(value), float(slope)


def time_to_zero(t: np.ndarray, y: np.ndarray, t_now: float, min_samples: int) -> float | None:
    """Seconds until the fitted line of a positive quantity reaches zero.

    None when there is too little data; +inf when the quantity is not shrinking.
    """
    fit = fit_line(t, y, t_now, min_samples)
    if fit is None:
        return None
    value, slope = fit
    if slope >= 0 or value <= 0:
        return math.inf if slope >= 0 else 0.0
    return -value / slope


def fuse_ttc(estimates: list[float]) -> float:
    """Combine TTC estimates by averaging their closing rates (1/TTC).

    Rates are the linear quantity: a "not closing" estimate (inf) is rate 0 and pulls the
    result towards safe instead of being ignored or dominating.
    """
    if not estimates:
        return math.nan
    rates = [0.0 if math.isinf(e) else 1.0 / max(e, 1e-3) for e in estimates]
    rate = sum(rates) / len(rates)
    return math.inf if rate <= 0 else 1.0 / rate
