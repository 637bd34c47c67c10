"""The numbers every bench prints: percentiles, ranges over repeats, timed calls.

Figures are quoted as ratios of the same run (the machine's speed swings within
seconds), with the range over repeats; these helpers keep that the same in
every script.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The sample at ``fraction`` of the sorted samples (nearest rank below)."""
    ordered = sorted(samples)
    return ordered[int(fraction * (len(ordered) - 1))]


def p50_p95_ms(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile of durations in seconds, in milliseconds."""
    return statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000


def span(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``low–high`` over repeats, or one value when they agree."""
    low, high = min(values), max(values)
    return fmt.format(low) if low == high else f"{fmt.format(low)}–{fmt.format(high)}"


def span_with_median(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``low–high (median m)`` over repeats."""
    median = fmt.format(statistics.median(values))
    return f"{fmt.format(min(values))}–{fmt.format(max(values))} (median {median})"


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Seconds each of ``repeat`` calls of ``function`` took."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def load_average() -> str:
    """The 1-minute load average and the core count, for the run's header."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
