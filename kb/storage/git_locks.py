"""Is a git lock file still held? Which git processes have a repository open?

Git takes ``index.lock`` by creating it (``O_EXCL``) and drops it by renaming
or removing it; a git process that is killed (a worker past its timeout, an
out-of-memory kill) leaves it behind, and every later git command that writes
the index fails with "File exists" until someone removes it. Removing a lock
that a live git process still holds would let two processes write the index at
once, so :func:`stale` removes one only when all of these hold:

1. It is older than the git timeout. Every git command Jawab runs is killed
   by then (``git_repo.TIMEOUT``), and git's own commands hold the lock for
   milliseconds, so a younger lock is most likely in use.
2. ``/proc`` can be read (Linux). Without it nothing can be known, and the
   lock is left for a person to remove.
3. No live git process on this machine has the repository open: none has its
   working directory inside the work tree or the git directory, a
   ``GIT_DIR``/``GIT_WORK_TREE`` pointing there, or a file there open. A git
   process whose details cannot be read (another user's) counts as holding it.
   ``git commit`` waiting for an editor, a hook still running under its git,
   a ``git rebase`` in progress: all are found this way, however old the lock.
4. It is still the same file (inode and modification time) when removed: a
   new lock made in between by someone else is never the one removed.

What this cannot see is a git process on another machine sharing the folder;
only the writer node (``KB_EDITOR_WRITER``) publishes, so nothing of Jawab's
runs there, and a person's git there is covered by the age only.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
PROC = Path("/proc")
_GIT_ENV = (b"GIT_DIR=", b"GIT_WORK_TREE=", b"GIT_INDEX_FILE=")


@dataclass(frozen=True)
class Lock:
    """What is known of one lock file: how old it is and who may hold it."""

    path: Path
    age: float  # seconds since it was last written
    holders: tuple[int, ...]  # live git processes with the repository open
    visible: bool  # False: processes could not be inspected (no /proc)


def _inside(path: Path, places: tuple[Path, ...]) -> bool:
    return any(path == place or place in path.parents for place in places)


def _state_and_name(pid_dir: Path) -> tuple[str, str] | None:
    """A process's state letter and command name (None when it is gone)."""
    try:
        stat = (pid_dir / "stat").read_text("utf-8", "replace")
    except OSError:
        return None
    # "pid (comm) S ...": comm may itself hold spaces and parentheses.
    open_at, close_at = stat.find("("), stat.rfind(")")
    if open_at < 0 or close_at < 0:
        return None
    return stat[close_at + 2 : close_at + 3], stat[open_at + 1 : close_at]


def _has_open(pid_dir: Path, places: tuple[Path, ...]) -> bool:
    """True when the process works in, points git at, or has open a file in ``places``.

    Raises PermissionError when the process cannot be inspected.
    """
    if _inside(Path(os.readlink(pid_dir / "cwd")), places):
        return True
    for entry in (pid_dir / "environ").read_bytes().split(b"\0"):
        if entry.startswith(_GIT_ENV):
            value = entry.split(b"=", 1)[1].decode("utf-8", "replace")
            if value and _inside(Path(value).resolve(), places):
                return True
    for fd in (pid_dir / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue  # closed meanwhile
        if target.startswith("/") and _inside(Path(target), places):
            return True
    return False


def git_processes(places: tuple[Path, ...]) -> tuple[int, ...] | None:
    """Live git processes that have ``places`` open; None when ``/proc`` is absent."""
    if not (PROC / "self").is_dir():
        return None
    places = tuple(p.resolve() for p in places)
    found = []
    me = os.getpid()
    for pid_dir in PROC.iterdir():
        if not pid_dir.name.isdigit() or int(pid_dir.name) == me:
            continue
        described = _state_and_name(pid_dir)
        if described is None:
            continue
        state, name = described
        # Zombies and dead processes hold nothing; only git's own programs
        # (git, git-remote-https, ...) take git's locks.
        if state in ("Z", "X") or not name.startswith("git"):
            continue
        try:
            if _has_open(pid_dir, places):
                found.append(int(pid_dir.name))
        except PermissionError:
            found.append(int(pid_dir.name))  # cannot see: it may hold the lock
        except OSError:
            continue  # it ended while being looked at
    return tuple(found)


def inspect(path: Path, places: tuple[Path, ...]) -> Lock | None:
    """The lock file at ``path`` and who may hold it (None when there is none)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    holders = git_processes(places)
    return Lock(
        path,
        max(0.0, time.time() - stat.st_mtime),
        holders or (),
        holders is not None,
    )


def remove_if_stale(path: Path, places: tuple[Path, ...], older_than: float) -> bool:
    """Remove the lock at ``path`` when it is stale (see the module doc).

    True when there is no lock now (none was there or it was removed).
    """
    try:
        before = path.stat()
    except FileNotFoundError:
        return True
    if time.time() - before.st_mtime < older_than:
        return False
    holders = git_processes(places)
    if holders is None or holders:
        return False
    return _unlink_same(path, before)


def remove_left_by(path: Path, places: tuple[Path, ...], since: float) -> bool:
    """Remove a lock made at or after ``since`` by a git process Jawab just killed.

    The caller killed its own git command (and everything it started); a lock
    created while that command ran is its lock, unless a live git process has
    the repository open, in which case it is left alone.
    """
    try:
        before = path.stat()
    except FileNotFoundError:
        return True
    if before.st_mtime < since - 1.0:
        return False  # older than the command: not ours
    holders = git_processes(places)
    if holders is None or holders:
        return False
    return _unlink_same(path, before)


def _unlink_same(path: Path, before: os.stat_result) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return True
    if (now.st_ino, now.st_mtime_ns) != (before.st_ino, before.st_mtime_ns):
        return False  # someone made a new lock meanwhile: it is theirs
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.error("could not remove the stale git lock %s: %s", path, exc)
        return False
    log.warning(
        "removed a stale git lock %s (%.0f s old, no git process holds it)",
        path,
        time.time() - before.st_mtime,
    )
    return True
