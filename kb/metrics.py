"""Counters of things that went wrong without failing a request.

A degraded dependency (Redis unreachable, an analytics event that could not be
stored) must never cost a customer a page, but it must not go unnoticed either:
the code that works around it logs a line and bumps a counter here. Counters are
per worker process, in memory, thread-safe and cheap; they hold numbers only,
never personal data.
"""

from __future__ import annotations

import threading
from collections import Counter

_lock = threading.Lock()
_counts: Counter[str] = Counter()


def increment(name: str, amount: int = 1) -> int:
    """Add ``amount`` to the counter ``name``; return its new value."""
    with _lock:
        _counts[name] += amount
        return _counts[name]


def value(name: str) -> int:
    """The current value of one counter (0 when never counted)."""
    with _lock:
        return _counts[name]


def snapshot() -> dict[str, int]:
    """Every counter of this process, by name."""
    with _lock:
        return dict(sorted(_counts.items()))


def reset() -> None:
    """Forget every counter (tests start from zero)."""
    with _lock:
        _counts.clear()
