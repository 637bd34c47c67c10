"""The git repository holding the articles folder, through the git command line.

This is the only module that runs git. Every call is an argument list (never a
shell), so a title, a name or a path can never become a command. Publishing
takes :func:`publish_lock` (an ``flock`` on a file beside the repository's
metadata), so two workers or two nodes sharing the folder never interleave a
write and a commit.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.storage import file_lock

TIMEOUT = 60  # seconds for one git command (a push over a slow link included)
LOCK_TIMEOUT = 30.0
_SEP = "\x1f"


class GitError(RuntimeError):
    """A git command failed; the message is git's own (first lines)."""


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


def _run(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    full_env.update(env or {})
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=full_env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]}: {exc}") from exc
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[:5]
        raise GitError(f"git {args[0]} failed: " + " ".join(detail))
    return done


class Repository:
    """The git repository that contains ``articles`` (if there is one)."""

    def __init__(self, articles: Path) -> None:
        self.articles = articles.resolve()
        self.top: Path | None = None
        if self.articles.is_dir():
            try:
                found = _run(self.articles, "rev-parse", "--show-toplevel", check=False)
            except GitError:
                found = None
            if found is not None and found.returncode == 0 and found.stdout.strip():
                self.top = Path(found.stdout.strip()).resolve()

    @property
    def available(self) -> bool:
        """True when the articles folder is inside a git repository."""
        return self.top is not None

    def _top(self) -> Path:
        if self.top is None:
            raise GitError("the articles folder is not in a git repository")
        return self.top

    def repo_path(self, rel: str) -> str:
        """An article's path (relative to the articles folder) as git names it."""
        return str((self.articles / rel).relative_to(self._top()))

    def article_path(self, repo_path: str) -> str:
        """The reverse of :meth:`repo_path`."""
        return str((self._top() / repo_path).relative_to(self.articles))

    def head(self) -> str | None:
        """The current commit id, or None in an empty repository."""
        done = _run(self._top(), "rev-parse", "--verify", "-q", "HEAD", check=False)
        return done.stdout.strip() or None

    def commit(
        self,
        rels: list[str],
        message: str,
        author: Person,
        committer: Person,
    ) -> str:
        """Stage and commit exactly ``rels``; returns the new commit id.

        On failure the staging area of those paths is put back as it was at
        HEAD, so a failed publish leaves nothing half-staged.
        """
        top = self._top()
        paths = [self.repo_path(rel) for rel in rels]
        env = {
            "GIT_COMMITTER_NAME": committer.name or committer.email,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_AUTHOR_NAME": author.name or author.email,
            "GIT_AUTHOR_EMAIL": author.email,
        }
        try:
            _run(top, "add", "--all", "--", *paths)
            _run(
                top,
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
        except GitError:
            if self.head():
                _run(top, "reset", "--quiet", "HEAD", "--", *paths, check=False)
            else:
                _run(top, "rm", "--cached", "--quiet", "--", *paths, check=False)
            raise
        return self.head() or ""

    def push(self) -> None:
        """Push the current branch to its upstream."""
        _run(self._top(), "push", "--quiet")

    def history(self, rel: str, limit: int = 200) -> list[Revision]:
        """Commits that changed the article, newest first, following renames."""
        done = _run(
            self._top(),
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
        done = _run(self._top(), "show", f"{commit}:{repo_path}", check=False)
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
