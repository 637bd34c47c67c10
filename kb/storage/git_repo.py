"""The git repository holding the articles folder, through the git command line.

This is the only module that runs git. Every call is an argument list (never a
shell), so a title, a name or a path can never become a command. Publishing
takes :func:`publish_lock` (an ``flock`` on a file beside the repository's
metadata), so two workers or two nodes sharing the folder never interleave a
write and a commit.

Every git command runs with a timeout shorter than the web worker's, in its own
process group: at the timeout the command and everything it started (a slow
hook) are killed, the locks that command left are removed, and the caller can
roll back, instead of the worker being killed half-way with a file written,
staged and not committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import signal
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.storage import file_lock, git_locks

log = logging.getLogger(__name__)
# gunicorn's default worker timeout (``--timeout``, seconds): a request that
# runs longer is killed, whatever it was doing.
WORKER_TIMEOUT = 30
# One git command gets a third of it. A publish runs at most two commands that
# can be slow (the commit, whose hooks may be slow, then the push or the
# rollback) besides quick ones, so it always ends, committed or rolled back,
# before its worker would be killed. ``KB_GIT_TIMEOUT`` changes it (with a
# longer gunicorn ``--timeout`` only).
TIMEOUT = WORKER_TIMEOUT // 3
# Waiting for another publish: the rest of the request still has to fit.
LOCK_TIMEOUT = TIMEOUT / 2
_SEP = "\x1f"
_EMPTY = "0" * 40
# Control characters, line and paragraph separators: never inside one line.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class GitError(RuntimeError):
    """A git command failed; the message is git's own (first lines)."""


class GitTimeout(GitError):
    """A git command ran past its timeout and was killed with what it started."""

    def __init__(self, message: str, pid: int, started: float) -> None:
        super().__init__(message)
        self.pid = pid
        self.started = started


class GitBusy(GitError):
    """The repository's ``index.lock`` is held, or may be (see :mod:`git_locks`)."""


class RepositoryDamaged(GitError):
    """The repository cannot be trusted with a commit (the message says why)."""


class PublishBusy(RuntimeError):
    """Another publish held the lock for too long."""


@dataclass(frozen=True)
class Person:
    """Who a commit is by: a name and an email address."""

    name: str
    email: str


@dataclass(frozen=True)
class Revision:
    """One commit that touched an article (``path`` as it was named then)."""

    commit: str
    author: str
    email: str
    date: str  # ISO 8601 with offset
    message: str
    path: str

    @property
    def short(self) -> str:
        """The abbreviated commit id shown to people."""
        return self.commit[:10]

    @property
    def moment(self) -> dt.datetime:
        """When it was committed, as an aware datetime (pages show the site's zone)."""
        return dt.datetime.fromisoformat(self.date)


def one_line(value: object, limit: int = 200) -> str:
    """``value`` as one line of plain text: no line breaks or control characters."""
    text = _BREAKS.sub(" ", unicodedata.normalize("NFC", str(value)))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def commit_message(
    subject: str, note: str = "", trailers: tuple[tuple[str, str], ...] = ()
) -> str:
    """A commit message whose every part is one sanitized line.

    The subject, the note and the trailers' values cannot hold a line break,
    so none of them can start a paragraph of their own: the only trailers are
    the ``trailers`` given here (their keys are Jawab's own constants).
    """
    parts = [one_line(subject, 120) or "Update"]
    if note:
        parts += ["", one_line(note, 300)]
    lines = [f"{key}: {one_line(value)}" for key, value in trailers if one_line(value)]
    if lines:
        parts += ["", *lines]
    return "\n".join(parts) + "\n"


def _ident(value: str) -> str:
    """A name or address as git's ident line takes it (no ``<``, ``>`` or breaks)."""
    return one_line(value, 254).replace("<", "").replace(">", "")


def _kill(process: subprocess.Popen) -> None:
    """Kill ``process`` and everything it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    try:
        # A hook that left the group may still hold the pipes: do not wait on it.
        process.communicate(timeout=1)
    except subprocess.TimeoutExpired:
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _run(
    cwd: Path,
    *args: str,
    timeout: float = TIMEOUT,
    env: dict[str, str] | None = None,
    check: bool = True,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    full_env.update(env or {})
    started = time.time()
    try:
        process = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
            start_new_session=True,  # its own group: a timeout kills its hooks too
        )
    except OSError as exc:
        raise GitError(f"git {args[0]}: {exc}") from exc
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise GitTimeout(
            f"git {args[0]} took longer than {timeout:g} s and was stopped",
            process.pid,
            started,
        ) from None
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[:5]
        raise GitError(f"git {args[0]} failed: " + " ".join(detail))
    return done


def _git_entry_above(folder: Path) -> Path | None:
    """The nearest ``.git`` (folder or file) at or above ``folder``."""
    for place in (folder, *folder.parents):
        if (place / ".git").exists():
            return place / ".git"
    return None


class Repository:
    """The git repository that contains ``articles`` (if there is one).

    ``broken`` is git's complaint when a ``.git`` sits at or above the folder
    and git cannot read it (a garbled ``HEAD``, say): publishing must then
    refuse, not write files as if there were no repository.
    """

    def __init__(self, articles: Path, timeout: float = TIMEOUT) -> None:
        self.articles = articles.resolve()
        self.timeout = timeout
        self.top: Path | None = None
        self.git_dir: Path | None = None
        self.broken = ""
        if not self.articles.is_dir():
            return
        found: subprocess.CompletedProcess[str] | None = None
        try:
            found = _run(
                self.articles,
                "rev-parse",
                "--show-toplevel",
                "--absolute-git-dir",
                timeout=timeout,
                check=False,
            )
            error = next(iter(found.stderr.strip().splitlines()), "")
        except GitError as exc:
            error = str(exc)
        lines = found.stdout.split("\n") if found and found.returncode == 0 else []
        if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
            self.top = Path(lines[0].strip()).resolve()
            self.git_dir = Path(lines[1].strip()).resolve()
        elif _git_entry_above(self.articles) is not None:
            self.broken = f"git cannot read the repository: {error or 'no answer'}"

    @property
    def available(self) -> bool:
        """True when the articles folder is inside a git repository."""
        return self.top is not None

    def _top(self) -> Path:
        if self.top is None:
            raise GitError("the articles folder is not in a git repository")
        return self.top

    def _git(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        options.setdefault("timeout", self.timeout)
        return _run(self._top(), *args, **options)

    def repo_path(self, rel: str) -> str:
        """An article's path (relative to the articles folder) as git names it."""
        return str((self.articles / rel).relative_to(self._top()))

    def article_path(self, repo_path: str) -> str:
        """The reverse of :meth:`repo_path`."""
        return str((self._top() / repo_path).relative_to(self.articles))

    def head(self) -> str | None:
        """The current commit id, or None in an empty repository."""
        done = self._git("rev-parse", "--verify", "-q", "HEAD", check=False)
        return done.stdout.strip() or None

    # -- is it sound? -----------------------------------------------------
    def problem(self) -> str:
        """Why the repository cannot take a commit now ("" when it can; quick)."""
        if self.broken:
            return self.broken
        if self.top is None:
            return ""
        try:
            if self.head() is None:
                # No HEAD commit: fine in a new repository (an unborn branch),
                # damaged when HEAD names a branch whose commit cannot be read.
                branch = self._git("symbolic-ref", "-q", "HEAD", check=False)
                ref = branch.stdout.strip()
                if branch.returncode != 0 or not ref:
                    return "HEAD names no branch and no commit"
                if (self.git_dir and (self.git_dir / ref).exists()) or self._git(
                    "show-ref", "--verify", "-q", ref, check=False
                ).returncode == 0:
                    return f"{ref} does not name a readable commit"
                return ""
            for name, what in (("HEAD^{commit}", "commit"), ("HEAD^{tree}", "tree")):
                done = self._git("cat-file", "-e", name, check=False)
                if done.returncode != 0:
                    return f"the {what} HEAD names is missing from the repository"
        except GitError as exc:
            return str(exc)
        return ""

    def verify(self, timeout: float = 300) -> str:
        """:meth:`problem`, then every object reachable from the branches.

        Slower (for ``kb check``, outside any request): ``timeout`` bounds
        the walk over the objects.
        """
        found = self.problem()
        if found or self.top is None:
            return found
        try:
            done = self._git(
                "fsck",
                "--connectivity-only",
                "--no-dangling",
                "--no-progress",
                check=False,
                timeout=timeout,
            )
        except GitError as exc:
            return str(exc)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[:3]
            return "git fsck: " + " ".join(detail)
        return ""

    # -- the index lock ---------------------------------------------------
    def _places(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.top, self.git_dir) if p is not None)

    def clear_stale_lock(self) -> None:
        """Remove an ``index.lock`` no git process holds any more; GitBusy if held.

        See :mod:`kb.storage.git_locks` for when a lock counts as stale.
        """
        if self.git_dir is None:
            return
        lock = self.git_dir / "index.lock"
        if git_locks.remove_if_stale(lock, self._places(), self.timeout):
            return
        found = git_locks.inspect(lock, self._places())
        if found is None:
            return  # it went away by itself
        if not found.visible:
            why = "processes cannot be inspected here"
        elif found.holders:
            why = "git process " + ", ".join(map(str, found.holders)) + " is using it"
        else:
            why = f"it is only {found.age:.0f} s old"
        raise GitBusy(f"{lock} exists and may be in use ({why})")

    def _after_kill(self, killed: GitTimeout) -> None:
        """Remove the locks a git command we killed left behind."""
        if self.git_dir is None:
            return
        git_locks.remove_left_by(
            self.git_dir / f"next-index-{killed.pid}.lock",
            self._places(),
            killed.started,
        )
        git_locks.remove_left_by(
            self.git_dir / "index.lock", self._places(), killed.started
        )

    # -- committing -------------------------------------------------------
    def _entries(self, paths: list[str]) -> str:
        """The staging area's entries of ``paths`` (``git ls-files -s -z``)."""
        return self._git("ls-files", "-s", "-z", "--", *paths).stdout

    def _restore(self, paths: list[str], entries: str) -> None:
        """Put the staging area's entries of ``paths`` back to ``entries``."""
        if self._entries(paths) == entries:
            return
        records = [r for r in entries.split("\0") if r]
        kept = {record.split("\t", 1)[1] for record in records}
        # Mode 0 removes an entry: paths that were not staged before.
        removed = [f"0 {_EMPTY}\t{path}" for path in paths if path not in kept]
        self._git(
            "update-index",
            "-z",
            "--index-info",
            stdin="".join(f"{line}\0" for line in [*removed, *records]),
        )

    def commit(
        self,
        rels: list[str],
        message: str,
        author: Person,
        committer: Person,
    ) -> str:
        """Stage and commit exactly ``rels``; returns the new commit id.

        A unit: on any failure (a hook refusing, a timeout, a lock) the
        staging area of those paths is put back exactly as it was and the
        error raised; the caller puts the files back. A commit git did make
        counts as made even when a later hook failed or timed out.
        """
        paths = [self.repo_path(rel) for rel in rels]
        author = Person(_ident(author.name), _ident(author.email))
        committer = Person(_ident(committer.name), _ident(committer.email))
        env = {
            "GIT_COMMITTER_NAME": committer.name or committer.email,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_AUTHOR_NAME": author.name or author.email,
            "GIT_AUTHOR_EMAIL": author.email,
        }
        before = self.head()
        staged = self._entries(paths)
        try:
            self._git("add", "--all", "--", *paths)
            self._git(
                "commit",
                "--quiet",
                "--no-edit",
                f"--author={author.name or author.email} <{author.email}>",
                "-m",
                message,
                "--",
                *paths,
                env=env,
            )
        except GitError as exc:
            if isinstance(exc, GitTimeout):
                self._after_kill(exc)
            made = self.head()
            if made and made != before and self._holds(made, paths):
                log.warning("git committed %s, then failed: %s", made, exc)
                return made
            try:
                self._restore(paths, staged)
            except GitError as undo:
                raise GitError(
                    f"{exc}; the staging area could not be put back: {undo}"
                ) from exc
            raise
        made = self.head()
        if not made or made == before or not self._holds(made, paths):
            self._restore(paths, staged)
            raise RepositoryDamaged("git reported success but made no readable commit")
        return made

    def _holds(self, commit: str, paths: list[str]) -> bool:
        """True when ``commit`` exists and has every one of ``paths``."""
        return all(
            self._git("cat-file", "-e", f"{commit}:{path}", check=False).returncode == 0
            for path in paths
        )

    def push(self) -> None:
        """Push the current branch to its upstream (bounded like every command)."""
        self._git("push", "--quiet")

    def history(self, rel: str, limit: int = 200) -> list[Revision]:
        """Commits that changed the article, newest first, following renames."""
        done = self._git(
            "log",
            "--follow",
            f"--max-count={limit}",
            "--name-only",
            f"--format=%x1e%H{_SEP}%an{_SEP}%ae{_SEP}%aI{_SEP}%s",
            "--",
            self.repo_path(rel),
        )
        revisions = []
        for record in done.stdout.split("\x1e"):
            if not record.strip():
                continue
            header, _, names = record.partition("\n")
            commit, name, email, date, subject = header.split(_SEP, 4)
            changed = [n for n in names.splitlines() if n.strip()]
            path = changed[-1] if changed else self.repo_path(rel)
            revisions.append(Revision(commit, name, email, date, subject, path))
        return revisions

    def show(self, commit: str, repo_path: str) -> str | None:
        """The file ``repo_path`` as it was in ``commit`` (None if absent)."""
        if not commit or any(c not in "0123456789abcdef" for c in commit):
            return None
        done = self._git("show", f"{commit}:{repo_path}", check=False)
        return done.stdout if done.returncode == 0 else None


def merge_texts(ours: str, base: str, theirs: str) -> tuple[str, bool]:
    """Three-way merge with ``git merge-file``: (merged text, True when clean).

    Works without a repository; the texts go through three temporary files.
    """
    with tempfile.TemporaryDirectory(prefix="jawab-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        done = _run(
            Path(folder),
            "merge-file",
            "-p",
            "-L",
            "draft",
            "-L",
            "base",
            "-L",
            "published",
            *paths,
            check=False,
        )
    if done.returncode < 0 or done.returncode > 127:
        raise GitError(f"git merge-file failed: {done.stderr.strip()}")
    return done.stdout, done.returncode == 0


@contextmanager
def publish_lock(lock_file: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One publish at a time across processes sharing ``lock_file``."""
    with file_lock.exclusive(
        lock_file, timeout, lambda: PublishBusy("another publish is still running")
    ):
        yield
