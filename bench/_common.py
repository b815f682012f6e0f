"""Helpers shared by the benchmark scripts (run as `python bench/<script>.py`, so this folder is on sys.path)."""
from __future__ import annotations

from kechuang.core.net import free_port  # noqa: F401  (re-exported for the bench scripts)


def pct(values, p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between the two nearest values; NaN when empty."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
