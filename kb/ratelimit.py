"""Rate-limit counters that keep counting when Redis does not answer.

Flask-Limiter's decorators and :mod:`kb.throttle`'s failure counters share one
storage: the one ``KB_RATELIMIT_STORAGE_URI`` names, wrapped in
:class:`FallbackStorage` (its scheme gets a ``fallback+`` prefix, a storage
registered with the ``limits`` package). When a call to Redis fails, that call
and every following one count in this worker's memory instead, so the request
goes on: a customer's message or a correct password is never lost to an
outage. One error line per outage says so, and :mod:`kb.metrics` counts it.
Every :data:`RETRY_SECONDS` one call tries Redis again; the first that works
moves counting back, with one line saying so.

While Redis is down each worker counts on its own (as with ``memory://``), and
what was counted before the outage is not seen: an attacker gets at most a
fresh allowance per worker and outage, which is safer than refusing everyone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from limits.storage import MemoryStorage, Storage, storage_from_string

from kb import metrics

log = logging.getLogger(__name__)
PREFIX = "fallback+"
# Schemes of the storages ``limits`` ships that live outside the process.
_WRAPPED = (
    "redis",
    "rediss",
    "redis+unix",
    "redis+cluster",
    "redis+sentinel",
    "valkey",
    "valkeys",
    "valkey+unix",
    "valkey+cluster",
    "valkey+sentinel",
    "memcached",
    "mongodb",
    "mongodb+srv",
)
# How long Redis is left alone after a failed call before one call tries again.
RETRY_SECONDS = 5.0
# A Redis that hangs (a dropped route, a full server) must cost a request
# a second at most, not the worker's whole timeout.
TIMEOUT_SECONDS = 1.0
# Names of the counters in kb.metrics.
OUTAGES = "ratelimit.storage_unreachable"
RECOVERIES = "ratelimit.storage_recovered"
IN_MEMORY = "ratelimit.counted_in_memory"


def where(uri: str) -> str:
    """The storage's scheme, host and port, for logs and pages (never a password)."""
    parts = urlsplit(uri.removeprefix(PREFIX))
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


@dataclass(frozen=True)
class Status:
    """What a worker's rate-limit storage is doing right now."""

    storage: str  # scheme, host and port
    down_since: float | None  # time.time() when the outage began; None: in use

    @property
    def in_use(self) -> bool:
        """True while limits count in the configured storage."""
        return self.down_since is None


class FallbackStorage(Storage):
    """The configured storage, or this process's memory while it fails."""

    STORAGE_SCHEME = [PREFIX + scheme for scheme in _WRAPPED]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        target = uri.removeprefix(PREFIX)
        if target.startswith(("redis", "valkey")):
            options.setdefault("socket_connect_timeout", TIMEOUT_SECONDS)
            options.setdefault("socket_timeout", TIMEOUT_SECONDS)
        self.target = where(target)
        self.primary: Storage = storage_from_string(target, **options)  # type: ignore[assignment]
        self.memory = MemoryStorage()
        self._lock = threading.Lock()
        self._down_since: float | None = None  # wall clock, for people
        self._last_try = 0.0  # monotonic: the last call that went to Redis

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        """Nothing: every failure of the configured storage is handled here."""
        return ()

    def status(self) -> Status:
        """Whether the configured storage is in use, and since when it is not."""
        with self._lock:
            return Status(self.target, self._down_since)

    def probe(self) -> Status:
        """Ask the configured storage now (for the health page), then report."""
        try:
            answered = bool(self.primary.check())
        except Exception:  # noqa: BLE001 - a probe that fails is an answer too
            answered = False
        if answered:
            self._answered()
        else:
            self._failed("no answer to a health check")
        return self.status()

    def _call(self, name: str, *args: Any) -> Any:
        if self._primary_wanted():
            try:
                result = getattr(self.primary, name)(*args)
            except Exception as exc:  # noqa: BLE001 - any failure: count in memory
                self._failed(type(exc).__name__)
            else:
                self._answered()
                return result
        metrics.increment(IN_MEMORY)
        return getattr(self.memory, name)(*args)

    def _primary_wanted(self) -> bool:
        with self._lock:
            if self._down_since is None:
                return True
            now = time.monotonic()
            if now - self._last_try < RETRY_SECONDS:
                return False
            # This call tries again; the others wait for its answer's verdict.
            self._last_try = now
            return True

    def _failed(self, reason: str) -> None:
        with self._lock:
            self._last_try = time.monotonic()
            if self._down_since is not None:
                return  # the same outage: said once already
            self._down_since = time.time()
        metrics.increment(OUTAGES)
        log.error(
            "rate-limit storage %s is unreachable (%s): each worker counts limits "
            "in its own memory until it answers again (tried every %d s)",
            self.target,
            reason,
            RETRY_SECONDS,
        )

    def _answered(self) -> None:
        if self._down_since is None:  # the usual case: no lock taken
            return
        with self._lock:
            began, self._down_since = self._down_since, None
        if began is None:
            return
        metrics.increment(RECOVERIES)
        log.warning(
            "rate-limit storage %s answers again after %d s: limits count there again",
            self.target,
            time.time() - began,
        )

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key`` (which expires after ``expiry`` seconds)."""
        return int(self._call("incr", key, expiry, amount))

    def get(self, key: str) -> int:
        """The count under ``key``."""
        return int(self._call("get", key))

    def get_expiry(self, key: str) -> float:
        """When ``key`` expires (epoch seconds)."""
        return float(self._call("get_expiry", key))

    def check(self) -> bool:
        """True: counting always works here, in Redis or in memory."""
        return True

    def reset(self) -> int | None:
        """Forget every count, in both places."""
        self.memory.reset()
        return self._call("reset")

    def clear(self, key: str) -> None:
        """Forget ``key``, in both places (an outage may have counted it here)."""
        self.memory.clear(key)
        self._call("clear", key)


def init_app(app: Flask) -> None:
    """Route an outside storage's counters through :class:`FallbackStorage`."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    scheme = urlsplit(uri).scheme
    if scheme in _WRAPPED:
        app.config["RATELIMIT_STORAGE_URI"] = PREFIX + uri


def probe(storage: object) -> Status | None:
    """Ask a limiter's storage now; None for ``memory://`` (nothing to reach)."""
    return storage.probe() if isinstance(storage, FallbackStorage) else None
