"""Article files: find them, parse their YAML front matter, report problems.

Every problem carries the file and the line it was found on, so ``kb check`` can
print ``path:line: message`` and an editor can jump straight to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from kb.storage import safe_yaml
from kb.storage.safe_yaml import load as load_yaml
from kb.translatable import N_

LANGS = ("id", "en")
STATUSES = ("published", "draft")
FIELDS = (
    "title",
    "lang",
    "slug",
    "category",
    "tags",
    "summary",
    "aliases",
    "translation",
    "status",
    "updated",
    "anchors",
    "reviewed",
    "owner",
    "publish_at",
    "problem",
)
REQUIRED = ("title", "lang")
# \Z, not $: "x\n" is no slug (``$`` also matches before a final newline).
SLUG = re.compile(r"\A[a-z0-9][a-z0-9_-]*\Z")
CATEGORIES_FILE = "_categories.yml"


@dataclass(frozen=True)
class Problem:
    """Something wrong in a content file, at a line an editor can open.

    ``message`` is the English text ``kb check`` prints; ``template`` (marked
    with ``N_``, %-style) and ``params`` are what it was made from, so a page
    can say it in the reader's language. Params stay as given: file names,
    field names and what a YAML or OS library said are not translated.
    """

    path: str
    line: int
    message: str
    template: str = field(default="", compare=False)
    params: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, path: str, line: int, template: str, /, **params: object) -> Problem:
        """A problem whose English message is ``template % params``."""
        values = {name: str(value) for name, value in params.items()}
        return cls(path, line, template % values, template, values)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ArticleFile:
    """One parsed article file: its front matter as typed values and its body."""

    path: str
    slug: str
    title: str
    lang: str
    category: str
    tags: tuple[str, ...]
    summary: str
    aliases: tuple[str, ...]
    translation: str
    status: str
    updated: dt.date
    anchors: dict[str, str]
    body: str
    body_line: int
    content_hash: str
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    # When someone last confirmed the article is still true (ISO date, or "").
    reviewed: str = ""
    owner: str = ""
    # When a published article goes public (ISO datetime in UTC, or "": now).
    publish_at: str = ""
    # The problem a complaint about this topic names, in the article's language
    # ("paketnya belum sampai"): a public reply's apology names it.
    problem: str = ""

    @property
    def published(self) -> bool:
        """True when the article's status is published (see :meth:`public_at`)."""
        return self.status == "published"

    def scheduled_for(self) -> dt.datetime | None:
        """The moment (UTC) a ``publish_at:`` article goes public, if it has one."""
        return dt.datetime.fromisoformat(self.publish_at) if self.publish_at else None

    def public_at(self, now: dt.datetime) -> bool:
        """True when the article may appear anywhere public at ``now`` (aware)."""
        moment = self.scheduled_for()
        return self.published and (moment is None or moment <= now)


@dataclass(frozen=True)
class Category:
    """A category's display title and description in each language."""

    key: str
    order: int
    titles: dict[str, str]
    descriptions: dict[str, str]

    def title(self, lang: str) -> str:
        """The category's name in ``lang``, falling back to its key."""
        return self.titles.get(lang) or self.key.replace("-", " ").title()

    def description(self, lang: str) -> str:
        """The category's one-line description in ``lang`` (may be empty)."""
        return self.descriptions.get(lang, "")


def article_paths(root: Path) -> list[Path]:
    """Every ``*.md`` file below ``root``, recursively, in a stable order."""
    return sorted(p for p in root.rglob("*.md") if p.is_file())


def fingerprint(root: Path) -> tuple[int, int, int]:
    """A cheap summary of the folder that changes when any content file does."""
    count = newest = total = 0
    for entry in _walk(root):
        stat = entry.stat()
        count += 1
        newest = max(newest, stat.st_mtime_ns)
        total += stat.st_size + stat.st_ino
    return count, newest, total


def _walk(root: Path) -> Iterator[os.DirEntry]:
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.name.endswith((".md", ".yml", ".yaml")):
            yield entry


def _split(text: str) -> tuple[str | None, str, int, int]:
    """Front matter, body, and the 0-based lines where each of them starts."""
    if not text.startswith("---"):
        return None, text, 0, 0
    handler = frontmatter.YAMLHandler()
    try:
        fm, body = handler.split(text)
    except ValueError:
        return None, text, 0, 0
    fm_line = text[: text.find(fm)].count("\n") if fm else 1
    body_line = text[: len(text) - len(body)].count("\n")
    return fm, body, fm_line, body_line


def _key_lines(node: yaml.Node | None, offset: int) -> dict[str, int]:
    """1-based file line of each top-level key, ``offset`` lines into the file."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + offset + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def _string_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return tuple(str(v).strip() for v in value)
    return None


def parse_article(path: Path, root: Path) -> tuple[ArticleFile | None, list[Problem]]:
    """Parse one article; a file with any problem yields ``None``."""
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [
            Problem.of(rel, 1, N_("cannot read file: %(error)s"), error=exc.strerror)
        ]

    def modified() -> dt.date:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()

    return parse_bytes(raw, rel, modified)


def parse_bytes(
    raw: bytes, rel: str, modified: Callable[[], dt.date] | None = None
) -> tuple[ArticleFile | None, list[Problem]]:
    """Parse an article's bytes as if read from ``rel`` (drafts use this too).

    ``modified`` gives the date used when the front matter has no ``updated``
    (the file's modification time; today for text not yet written).
    """
    problems: list[Problem] = []

    def fail(line: int, template: str, **params: object) -> None:
        problems.append(Problem.of(rel, line, template, **params))

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem.of(rel, line, N_("file is not valid UTF-8"))]
    text = text.removeprefix("\ufeff")

    fm_text, body, fm_line, body_line = _split(text)
    if fm_text is None:
        return None, [
            Problem.of(
                rel,
                1,
                N_(
                    "missing front matter: the file must start "
                    "with a '---' line, YAML fields, and a closing '---'"
                ),
            )
        ]
    try:
        node, meta = load_yaml(fm_text)
    except yaml.YAMLError as exc:
        line, problem = safe_yaml.problem(exc)
        return None, [
            Problem.of(
                rel,
                line + fm_line,
                N_("invalid YAML front matter: %(error)s"),
                error=problem,
            )
        ]
    if not isinstance(meta, dict):
        line = fm_line + (node.start_mark.line if node is not None else 0) + 1
        return None, [
            Problem.of(rel, line, N_("front matter must be a mapping of fields"))
        ]
    lines = _key_lines(node, fm_line)

    def line_of(name: str) -> int:
        return lines.get(name, 1)

    for name in meta:
        if name not in FIELDS:
            fail(
                line_of(str(name)),
                N_("unknown field '%(name)s' (known: %(known)s)"),
                name=name,
                known=", ".join(FIELDS),
            )
    for name in REQUIRED:
        if meta.get(name) in (None, ""):
            fail(1, N_("missing required field '%(name)s'"), name=name)

    title = meta.get("title")
    if title is not None and not isinstance(title, str | int | float):
        fail(line_of("title"), N_("'title' must be text"))
    lang = meta.get("lang")
    if lang is not None and lang not in LANGS:
        fail(
            line_of("lang"),
            N_("'lang' must be one of %(known)s, not %(value)s"),
            known=", ".join(LANGS),
            value=repr(lang),
        )

    slug = str(meta.get("slug") or Path(rel).stem)
    if not SLUG.fullmatch(slug):
        fail(
            line_of("slug"),
            N_(
                "slug %(slug)s must be lowercase letters, digits, "
                "'-' or '_' (rename the file or set 'slug')"
            ),
            slug=repr(slug),
        )

    status = meta.get("status", "published")
    if status not in STATUSES:
        fail(
            line_of("status"),
            N_("'status' must be published or draft, not %(value)s"),
            value=repr(status),
        )

    tags = _string_list(meta.get("tags"))
    if tags is None:
        fail(line_of("tags"), N_("'tags' must be a list of words"))
    aliases = _string_list(meta.get("aliases"))
    if aliases is None:
        fail(line_of("aliases"), N_("'aliases' must be a list of old slugs"))
    for alias in aliases or ():
        if not SLUG.fullmatch(alias):
            fail(
                line_of("aliases"),
                N_("alias %(alias)s is not a valid slug"),
                alias=repr(alias),
            )

    for name in ("category", "summary", "translation", "problem"):
        value = meta.get(name)
        if value is not None and not isinstance(value, str | int):
            fail(line_of(name), N_("'%(name)s' must be text"), name=name)

    updated = meta.get("updated")
    if updated is None:
        updated = modified() if modified else dt.datetime.now(dt.UTC).date()
    elif isinstance(updated, dt.datetime):
        updated = updated.date()
    elif not isinstance(updated, dt.date):
        fail(
            line_of("updated"),
            N_("'updated' must be a date like 2026-01-31, not %(value)s"),
            value=repr(updated),
        )

    reviewed = meta.get("reviewed")
    if isinstance(reviewed, dt.datetime):
        reviewed = reviewed.date()
    if reviewed is not None and not isinstance(reviewed, dt.date):
        fail(
            line_of("reviewed"),
            N_("'reviewed' must be a date like 2026-01-31, not %(value)s"),
            value=repr(reviewed),
        )
        reviewed = None
    publish_at = _moment(meta.get("publish_at"))
    if publish_at is None and meta.get("publish_at") is not None:
        fail(
            line_of("publish_at"),
            N_(
                "'publish_at' must be a date or a date and time like 2026-01-31 or "
                "2026-01-31 09:00 (UTC) or 2026-01-31T09:00:00+07:00, not %(value)s"
            ),
            value=repr(meta.get("publish_at")),
        )
    owner = meta.get("owner")
    if owner is not None and not isinstance(owner, str):
        fail(line_of("owner"), N_("'owner' must be text (a name or an email address)"))

    anchors = meta.get("anchors") or {}
    if not isinstance(anchors, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in anchors.items()
    ):
        fail(
            line_of("anchors"),
            N_(
                "'anchors' must map old anchors to current ones, "
                "e.g. 'old-heading: new-heading'"
            ),
        )
        anchors = {}

    if problems:
        return None, problems
    article = ArticleFile(
        path=rel,
        slug=slug,
        title=str(title).strip(),
        lang=str(lang),
        category=str(meta.get("category") or "").strip(),
        tags=tags or (),
        summary=str(meta.get("summary") or "").strip(),
        aliases=aliases or (),
        translation=str(meta.get("translation") or "").strip(),
        status=str(status),
        updated=updated,
        anchors=dict(anchors),
        body=body,
        body_line=body_line + 1,
        content_hash=hashlib.sha256(raw).hexdigest(),
        lines=lines,
        reviewed=reviewed.isoformat() if reviewed else "",
        owner=str(owner or "").strip(),
        publish_at=publish_at.isoformat() if publish_at else "",
        problem=" ".join(str(meta.get("problem") or "").split()),
    )
    return article, problems


def _moment(value: object) -> dt.datetime | None:
    """A ``publish_at:`` value as an aware UTC datetime; ``None`` when invalid.

    YAML reads ``2026-01-31`` as a date and ``2026-01-31 09:00:00`` as a
    datetime; quoted text is parsed as ISO 8601 too. A value without a time
    zone is UTC (the same on every server, whatever its clock's zone); a date
    alone means its midnight, UTC.
    """
    if isinstance(value, str):
        try:  # also reads a date alone, as its midnight
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def parse_categories(root: Path) -> tuple[dict[str, Category], list[Problem]]:
    """Read ``_categories.yml`` (optional) into categories by key."""
    path = root / CATEGORIES_FILE
    if not path.exists():
        return {}, []
    try:
        node, data = load_yaml(path.read_text("utf-8"))
        data = data or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return {}, [
            Problem.of(CATEGORIES_FILE, line, N_("invalid YAML: %(error)s"), error=exc)
        ]
    if not isinstance(data, dict):
        return {}, [
            Problem.of(CATEGORIES_FILE, 1, N_("must map category keys to titles"))
        ]
    lines = _key_lines(node, 0)
    categories: dict[str, Category] = {}
    problems: list[Problem] = []
    for position, (key, spec) in enumerate(data.items()):
        line = lines.get(str(key), 1)
        if not isinstance(spec, dict):
            problems.append(
                Problem.of(
                    CATEGORIES_FILE,
                    line,
                    N_("category '%(key)s' must be a mapping"),
                    key=key,
                )
            )
            continue
        titles: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        for lang in LANGS:
            entry = spec.get(lang) or {}
            if not isinstance(entry, dict) or not entry.get("title"):
                problems.append(
                    Problem.of(
                        CATEGORIES_FILE,
                        line,
                        N_("category '%(key)s' needs %(lang)s: {title: ...}"),
                        key=key,
                        lang=lang,
                    )
                )
                continue
            titles[lang] = str(entry["title"])
            descriptions[lang] = str(entry.get("description") or "")
        order = spec.get("order", position)
        categories[str(key)] = Category(
            str(key),
            int(order) if isinstance(order, int) else position,
            titles,
            descriptions,
        )
    return categories, problems


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see old or new, never half.

    The new text goes to a temporary file in the same folder, is flushed to
    disk, then renamed over the target (a rename within one filesystem is atomic).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class FileChange:
    """One file replaced with :func:`write_atomic`, and the way back.

    The old file is kept through a second hard link, so putting it back is a
    rename: it needs no free space, and works on the full disk that may have
    made the commit fail. Folders made for a new file are removed again.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self._keep: Path | None = None
        self._old: bytes | None = None
        self._made: list[Path] = []
        folder = path.parent
        while not folder.exists():
            self._made.append(folder)
            folder = folder.parent
        if path.exists():
            keep = path.with_name(f".{path.name}.{os.getpid()}.keep")
            keep.unlink(missing_ok=True)
            try:
                os.link(path, keep)
                self._keep = keep
            except OSError:  # no hard links here: keep the bytes instead
                self._old = path.read_bytes()
        try:
            write_atomic(path, text)
        except BaseException:
            self._forget_folders()
            self.done()
            raise

    def undo(self) -> None:
        """Put the file (or its absence) back exactly as it was."""
        if self._keep is not None:
            os.replace(self._keep, self.path)
            self._keep = None
        elif self._old is not None:
            write_atomic(self.path, self._old.decode("utf-8"))
        else:
            self.path.unlink(missing_ok=True)
            self._forget_folders()

    def done(self) -> None:
        """Keep the new file: let go of the old one."""
        if self._keep is not None:
            self._keep.unlink(missing_ok=True)
            self._keep = None

    def _forget_folders(self) -> None:
        for folder in self._made:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break


def inside(root: Path, rel: str) -> Path:
    """``root/rel`` when it stays inside ``root`` as a ``.md`` file; else ValueError.

    Slugs and paths come from forms and the database: ``..``, absolute paths and
    symlinks pointing out of the folder are refused here, in one place.
    """
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/"):
        raise ValueError(f"not an article path: {rel!r}")
    parts = Path(rel).parts
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise ValueError(f"not an article path: {rel!r}")
    if not rel.endswith(".md"):
        raise ValueError(f"not an article path: {rel!r}")
    base = root.resolve()
    target = (base / rel).resolve()
    if not target.is_relative_to(base) or target == base:
        raise ValueError(f"not an article path: {rel!r}")
    return target
