"""One process at a time across workers: an exclusive ``flock`` with a timeout."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(
    lock_path: Path,
    timeout: float,
    busy: Callable[[], Exception],
    poll: float = 0.05,
) -> Iterator[None]:
    """Hold ``lock_path`` exclusively; raise ``busy()`` after ``timeout`` seconds.

    The lock is the kernel's (``flock``), so it is released when its holder
    dies: a killed worker never leaves the site locked.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise busy() from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
