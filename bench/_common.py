"""Helpers shared by the benchmark scripts (run as `python bench/<script>.py`, so this folder is on sys.path)."""
from __future__ import annotations

import random
import socket


def pct(values, p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between the two nearest values; NaN when empty."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def free_port(low: int = 8800, high: int = 8899) -> int:
    """A TCP port on 127.0.0.1 that is free now, from the range benchmarks use."""
    for _ in range(50):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {low}-{high}")
