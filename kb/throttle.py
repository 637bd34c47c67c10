"""Counting failures, not requests: limits that slow attackers, not customers.

Flask-Limiter's decorators count every request. Secret links and sign-in need
something finer: only *failures* count, keyed on the client together with what
was tried, so a correct link or password is never refused because someone else
(behind the same carrier NAT or proxy) guessed wrong. Counters live in the
rate-limit storage (``KB_RATELIMIT_STORAGE_URI``), so with Redis every worker and
node shares them; while Redis does not answer, :mod:`kb.ratelimit` has each
worker count in its own memory (the same storage object serves Flask-Limiter's
decorators and these counters, so both fall back and come back together).
"""

from __future__ import annotations

import math
import time

from flask import current_app, request
from limits import parse_many

from kb.extensions import limiter

# Sign-in: the first few mistakes are free (people mistype), then each further
# failure for the same account from the same client doubles the wait.
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 15 * 60
FAILURE_MEMORY_SECONDS = 3600


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def client() -> str:
    """The client's address (the real one behind ``KB_TRUSTED_PROXIES``)."""
    return request.remote_addr or "unknown"


def _scope(scope: tuple[str, ...]) -> tuple[str, ...]:
    # Nodes sharing one Redis for several sites (or test runs) keep apart.
    return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "jawab", *scope)


def _key(*parts: str) -> str:
    return ":".join(part.replace(":", "_")[:254] for part in _scope(parts))


def blocked_for(limits: str, *scope: str) -> int:
    """Seconds until a failure counter under ``limits`` allows a try; 0 if now."""
    if not _enabled():
        return 0
    wait = 0
    scope = _scope(scope)
    for item in parse_many(limits):
        if not limiter.limiter.test(item, *scope):
            reset, _remaining = limiter.limiter.get_window_stats(item, *scope)
            wait = max(wait, math.ceil(reset - time.time()), 1)
    return wait


def count_failure(limits: str, *scope: str) -> None:
    """Count one failure against every limit in ``limits``."""
    if _enabled():
        for item in parse_many(limits):
            limiter.limiter.hit(item, *_scope(scope))


def take(limits: str, *scope: str) -> int:
    """Count one use of ``scope`` under ``limits``; seconds to wait if used up.

    For limits that depend on what a request carries (a vote in a JSON body),
    which a route's decorator cannot see. A refused use is not counted.
    """
    wait = blocked_for(limits, *scope)
    if not wait:
        count_failure(limits, *scope)
    return wait


def backoff_remaining(*scope: str) -> int:
    """Seconds left of the growing delay for ``scope``; 0 when free to try."""
    if not _enabled():
        return 0
    storage = limiter.storage
    key = _key("backoff", *scope)
    if storage.get(key) <= 0:
        return 0
    return max(math.ceil(storage.get_expiry(key) - time.time()), 1)


def backoff_failure(*scope: str) -> int:
    """Record a failure; return the delay (seconds) before the next try."""
    if not _enabled():
        return 0
    storage = limiter.storage
    failures = storage.incr(_key("failures", *scope), FAILURE_MEMORY_SECONDS)
    if failures <= FREE_FAILURES:
        return 0
    delay = min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
    storage.clear(_key("backoff", *scope))
    storage.incr(_key("backoff", *scope), delay)
    return delay


def backoff_success(*scope: str) -> None:
    """Forget the failures of ``scope`` (the real user got in)."""
    if _enabled():
        limiter.storage.clear(_key("failures", *scope))
        limiter.storage.clear(_key("backoff", *scope))
