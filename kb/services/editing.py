"""Editing articles on the web: drafts in the database, checked like ``kb check``.

Drafts, proposals, comments and soft locks live in the database, so nothing
unpublished ever reaches ``articles/`` or the search index. Who changed a
draft's text and what a reviewer saw are kept by :mod:`kb.services.review`;
:mod:`kb.services.publishing` writes a draft into the folder and git.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.markdown import render
from kb.services import review
from kb.services.articles import Library, default_url, parse_checked_text
from kb.storage import articles as files
from kb.storage.articles import ArticleFile, Problem
from kb.storage.models import (
    Draft,
    DraftComment,
    EditorSetting,
    TranslationBaseline,
    User,
    utcnow,
)
from kb.translatable import N_

log = logging.getLogger(__name__)
LOCK_MINUTES = 5  # a soft lock older than this is free to take
OPEN_STATES = ("editing", "proposed", "scheduled")
REQUIRE_SECOND_PERSON = "require_second_person"
SECOND_PERSON = "A second person must approve this draft."
FILE_EXISTS = N_("a file already exists at %(path)s")
FORM_FIELDS = (
    "title",
    "lang",
    "slug",
    "category",
    "tags",
    "summary",
    "aliases",
    "translation",
    "status",
    "owner",
    "body",
)


class EditingError(ValueError):
    """Something the person asked for cannot be done (the message says why)."""


@dataclass(frozen=True)
class Fields:
    """An article as the editor form shows it: front matter fields and body."""

    title: str = ""
    lang: str = "id"
    slug: str = ""
    category: str = ""
    tags: str = ""
    summary: str = ""
    aliases: str = ""
    translation: str = ""
    status: str = "published"
    owner: str = ""
    body: str = ""
    # Front matter the form does not show (anchors, reviewed, publish_at).
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_article(cls, article: ArticleFile) -> Fields:
        """The fields of a parsed article file."""
        extra: dict = {}
        if article.anchors:
            extra["anchors"] = dict(article.anchors)
        if article.reviewed:
            extra["reviewed"] = article.reviewed
        if article.publish_at:
            extra["publish_at"] = article.publish_at
        return cls(
            title=article.title,
            lang=article.lang,
            slug=article.slug,
            category=article.category,
            tags=", ".join(article.tags),
            summary=article.summary,
            aliases=", ".join(article.aliases),
            translation=article.translation,
            status=article.status,
            owner=article.owner,
            body=article.body.lstrip("\n"),
            extra=extra,
        )

    @classmethod
    def from_draft(cls, draft: Draft) -> Fields:
        """The fields saved in a draft."""
        try:
            extra = json.loads(draft.extra or "{}")
        except ValueError:
            extra = {}
        return cls(
            **{name: getattr(draft, name) or "" for name in FORM_FIELDS},
            extra=extra if isinstance(extra, dict) else {},
        )

    def to_text(self, updated: dt.date | None = None) -> str:
        """The article file: YAML front matter (always safely quoted) and body.

        The front matter is written by a YAML serializer, never by pasting
        strings, so no title or summary can break out of its field.
        """
        meta: dict[str, object] = {"title": self.title.strip(), "lang": self.lang}
        for name in ("slug", "category", "summary", "translation", "owner"):
            value = getattr(self, name).strip()
            if value:
                meta[name] = value
        for name in ("tags", "aliases"):
            items = split_list(getattr(self, name))
            if items:
                meta[name] = items
        if self.status != "published":
            meta["status"] = self.status
        reviewed = self.extra.get("reviewed")
        if reviewed:
            meta["reviewed"] = dt.date.fromisoformat(str(reviewed))
        publish_at = self.extra.get("publish_at")
        if publish_at:
            meta["publish_at"] = dt.datetime.fromisoformat(str(publish_at))
        if updated is not None:
            meta["updated"] = updated
        if self.extra.get("anchors"):
            meta["anchors"] = dict(self.extra["anchors"])
        front = yaml.safe_dump(
            meta, allow_unicode=True, sort_keys=False, width=10_000
        ).rstrip("\n")
        body = self.body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        return f"---\n{front}\n---\n\n{body}\n"


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` → ``["a", "b", "c"]``."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def content_hash(data: bytes | str) -> str:
    """The hash the library keeps for a file's bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


# -- where a draft goes ---------------------------------------------------
def target_path(draft: Draft | Fields, article_path: str | None) -> str:
    """The file (relative to the articles folder) a draft is published to."""
    if article_path:
        return article_path
    slug = draft.slug.strip()
    if not files.SLUG.fullmatch(slug):
        raise EditingError(f"slug {slug!r} is not valid")
    category = draft.category.strip()
    if category and not files.SLUG.fullmatch(category):
        raise EditingError(f"category {category!r} is not valid")
    return f"{category}/{slug}.md" if category else f"{slug}.md"


# -- checks ---------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """What ``kb check`` says about a draft: each problem at a field or body line."""

    article: ArticleFile | None
    problems: tuple[Problem, ...]
    # field name → problems; body line (1-based, in the body text) → problems
    by_field: dict[str, list[Problem]]
    by_line: dict[int, list[Problem]]

    @property
    def ok(self) -> bool:
        """True when the draft could be published as it is."""
        return not self.problems


def check(library: Library, fields: Fields, rel: str, *, new: bool = False) -> Check:
    """Run the ``kb check`` validator on the file ``fields`` would become.

    ``new``: the draft is a new article, so a file at ``rel`` is a clash.
    """
    text = fields.to_text(dt.datetime.now(dt.UTC).date())
    article, problems = parse_checked_text(text.encode("utf-8"), rel)
    found = list(problems)
    if article is not None:
        found.extend(library.draft_problems(article))
        existing = next((a for a in library.all.values() if a.path == rel), None)
        if new and existing is not None:
            found.append(
                Problem.of(rel, article.lines.get("slug", 1), FILE_EXISTS, path=rel)
            )
        elif (
            existing is not None
            and existing.slug != article.slug
            and library.inbound[existing.slug]
            and existing.slug not in article.aliases
        ):
            # A new slug would break every link to the old one: keep it as an alias.
            found.append(
                Problem.of(
                    rel,
                    article.lines.get("slug", 1),
                    N_(
                        "%(count)s article(s) link to '%(slug)s': add it to the old "
                        "slugs (aliases)"
                    ),
                    count=library.inbound[existing.slug],
                    slug=existing.slug,
                )
            )
    by_field: dict[str, list[Problem]] = {}
    by_line: dict[int, list[Problem]] = {}
    body_start = text.count("\n", 0, text.index("\n---\n", 3) + 5) + 2
    lines = article.lines if article else {}
    field_of = {line: name for name, line in lines.items()}
    for problem in found:
        if problem.line >= body_start and article is not None:
            by_line.setdefault(problem.line - body_start + 1, []).append(problem)
        else:
            name = field_of.get(problem.line, "")
            if name in ("tags", "aliases", "slug", "category", "translation"):
                by_field.setdefault(name, []).append(problem)
            else:
                by_field.setdefault("", []).append(problem)
    return Check(article, tuple(found), by_field, by_line)


@dataclass(frozen=True)
class Preview:
    """A draft's body rendered by the production renderer, with its problems."""

    html: str
    check: Check


def preview(
    library: Library, fields: Fields, rel: str, *, new: bool = False
) -> Preview:
    """Render a draft as its page would show it, and check it."""
    result = check(library, fields, rel, new=new)
    html = ""
    if result.article is not None:

        def resolve(slug: str) -> str:
            target = library.published.get(slug) or library.redirect_for(slug)
            return default_url(target.lang if target else fields.lang, slug)

        try:
            html = render(
                result.article.body,
                lang=fields.lang,
                resolve=resolve,
                old_anchors=result.article.anchors,
            ).html
        except Exception:  # noqa: BLE001 - already reported by check()
            html = ""
    return Preview(html, result)


# -- drafts ---------------------------------------------------------------
def get(db: Session, draft_id: int) -> Draft | None:
    """A draft by id."""
    return db.get(Draft, draft_id)


def open_drafts(db: Session, user: User | None = None) -> list[Draft]:
    """Drafts being written or waiting for review, newest first."""
    query = select(Draft).where(Draft.state.in_(OPEN_STATES))
    if user is not None:
        query = query.where(Draft.author_id == user.id)
    return list(db.scalars(query.order_by(Draft.updated_at.desc(), Draft.id.desc())))


def drafts_of(db: Session, article_path: str) -> list[Draft]:
    """Open drafts of one article file."""
    return list(
        db.scalars(
            select(Draft)
            .where(Draft.article_path == article_path, Draft.state.in_(OPEN_STATES))
            .order_by(Draft.id)
        )
    )


def too_long(fields: Fields) -> tuple[str, int] | None:
    """The first field longer than its column: (name, the column's length).

    (Control characters such as NUL never get this far: every request
    holding one is refused by ``kb.security``.)
    """
    for name in FORM_FIELDS:
        limit = getattr(Draft.__table__.c[name].type, "length", None)
        if limit is not None and len(getattr(fields, name)) > limit:
            return name, limit
    return None


def _apply(draft: Draft, fields: Fields) -> None:
    for name in FORM_FIELDS:
        setattr(draft, name, getattr(fields, name))
    draft.extra = json.dumps(fields.extra, default=str)


def create(
    db: Session,
    user: User,
    fields: Fields,
    *,
    source_ticket: str | None = None,
) -> Draft:
    """A new article's draft."""
    draft = Draft(author_id=user.id, source_ticket=source_ticket, base_text="")
    return _keep(db, draft, fields, user)


def start_from_file(
    db: Session, user: User, root: Path, article: ArticleFile, *, fresh: bool = False
) -> Draft:
    """A draft of a published file, remembering the version it starts from.

    The person's own open draft of the file is reused unless ``fresh``.
    """
    if not fresh:
        for draft in drafts_of(db, article.path):
            if draft.author_id == user.id:
                return draft
    raw = files.inside(root, article.path).read_bytes()
    draft = Draft(
        author_id=user.id,
        article_path=article.path,
        base_hash=content_hash(raw),
        base_text=raw.decode("utf-8"),
    )
    return _keep(db, draft, Fields.from_article(article), user)


def _keep(db: Session, draft: Draft, fields: Fields, user: User) -> Draft:
    """Fill a new ``draft`` from ``fields``, lock it for ``user`` and store it."""
    _apply(draft, fields)
    draft.lock_user_id, draft.lock_at = user.id, utcnow()
    db.add(draft)
    db.flush()  # its id, for the first change
    review.record(db, draft, user, text_of(draft), was="editing")
    db.commit()
    return draft


def start_from_text(db: Session, user: User, root: Path, rel: str, text: str) -> Draft:
    """A draft whose content is ``text`` (a restored version) over the current file."""
    target = files.inside(root, rel)
    article, _ = files.parse_bytes(text.encode("utf-8"), rel)
    if article is None:
        raise EditingError("that version cannot be read as an article")
    current = target.read_bytes() if target.exists() else b""
    draft = Draft(
        author_id=user.id,
        article_path=rel if current else None,
        base_hash=content_hash(current) if current else "",
        base_text=current.decode("utf-8"),
    )
    return _keep(db, draft, Fields.from_article(article), user)


def may_edit(draft: Draft, user: User) -> bool:
    """Agents edit their own drafts; editors and admins any open draft."""
    if draft.state not in OPEN_STATES:
        return False
    return draft.author_id == user.id or user.has_role("editor")


def _fresh(moment: dt.datetime | None, now: dt.datetime) -> bool:
    if moment is None:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return now - moment < dt.timedelta(minutes=LOCK_MINUTES)


def holder(draft: Draft, user: User) -> User | None:
    """Someone else who has the draft open right now (the soft lock), if any."""
    if draft.lock_user_id in (None, user.id) or not _fresh(draft.lock_at, utcnow()):
        return None
    return draft.lock_user


def claim(db: Session, draft: Draft, user: User, *, take_over: bool = False) -> bool:
    """Take the soft lock when it is free (or ``take_over``); False if held."""
    if holder(draft, user) is not None and not take_over:
        return False
    draft.lock_user_id, draft.lock_at = user.id, utcnow()
    db.commit()
    return True


def text_of(draft: Draft) -> str:
    """The article file the draft would make now (without the ``updated`` date)."""
    return Fields.from_draft(draft).to_text()


def _reviewed_text(draft: Draft) -> str:
    """The draft's text as review compares it: the ``reviewed:`` date set aside.

    Ticking "I checked that this article is still true" records when someone
    checked it; it says nothing new to readers and changes no reviewed text.
    """
    fields = Fields.from_draft(draft)
    extra = {k: v for k, v in fields.extra.items() if k != "reviewed"}
    return Fields(**{**fields.__dict__, "extra": extra}).to_text()


@dataclass(frozen=True)
class Saved:
    """What :func:`save` did."""

    ok: bool  # False: someone else holds the soft lock; nothing was saved
    changed: bool = False  # the text changed (a new revision)
    reopened: str = ""  # the review state the change ended ("proposed", "scheduled")

    def __bool__(self) -> bool:
        return self.ok


def save(
    db: Session,
    draft: Draft,
    user: User,
    fields: Fields,
    *,
    revision: int | None = None,
    reviewed: bool = False,
    link: str = "",
) -> Saved:
    """Store the form's fields, unless another holds the lock.

    ``revision`` is the version the browser last saw: an older autosave that
    arrives after a newer one (sendBeacon on leaving) is ignored. A change of
    the text makes a new revision and, on a draft under review, sends it back
    to being written (see :mod:`kb.services.review`; ``link`` is the draft's
    page for the mail). ``reviewed`` records that the article was checked today.
    """
    if holder(draft, user) is not None:
        return Saved(False)
    if revision is not None and revision < draft.revision:
        return Saved(True)
    before = _reviewed_text(draft)
    keep = json.loads(draft.extra or "{}")
    if reviewed:
        keep["reviewed"] = dt.datetime.now(dt.UTC).date().isoformat()
    _apply(draft, Fields(**{**fields.__dict__, "extra": keep or fields.extra}))
    draft.lock_at = utcnow()
    draft.lock_user_id = user.id
    changed = _reviewed_text(draft) != before
    reopened = ""
    if changed:
        draft.revision += 1
        draft.updated_at = draft.lock_at
        was = draft.state
        reopened = review.reopen(db, draft, user, link=link)
        review.record(db, draft, user, text_of(draft), was=was)
    db.commit()
    return Saved(True, changed, reopened)


def propose(db: Session, draft: Draft) -> None:
    """Ask an editor to review and publish the draft (the writer lets go of it)."""
    draft.state = "proposed"
    draft.lock_user_id = draft.lock_at = None
    db.commit()


def discard(db: Session, draft: Draft) -> None:
    """Give the draft up; the published file is untouched."""
    draft.state = "discarded"
    db.commit()


def comment(db: Session, draft: Draft, user: User, body: str) -> DraftComment:
    """Add a reviewer's comment."""
    note = DraftComment(draft_id=draft.id, author_id=user.id, body=body.strip())
    db.add(note)
    db.commit()
    return note


# -- settings -------------------------------------------------------------
def setting(db: Session, key: str) -> str:
    """An editor setting's value ("" when never set)."""
    row = db.get(EditorSetting, key)
    return row.value if row else ""


def set_setting(db: Session, key: str, value: str) -> None:
    """Change an editor setting."""
    row = db.get(EditorSetting, key)
    if row is None:
        db.add(EditorSetting(key=key, value=value))
    else:
        row.value = value
    db.commit()


def requires_second_person(db: Session) -> bool:
    """True when someone other than a draft's author must publish it."""
    return setting(db, REQUIRE_SECOND_PERSON) == "1"


def may_publish(db: Session, draft: Draft, user: User) -> str | None:
    """Why ``user`` may not publish or schedule ``draft`` now (None when they may).

    With a second person required, nobody who changed the text since its last
    approval approves it (whoever started the draft, see :mod:`review`).
    """
    if not user.has_role("editor"):
        return "Only editors and admins publish."
    if draft.state not in OPEN_STATES:
        return "This draft is no longer open."
    if requires_second_person(db) and user.id in review.changed_since_approval(
        db, draft
    ):
        return SECOND_PERSON
    return None


# -- merging and conflicts ----------------------------------------------
def normalized(text: str, rel: str) -> str:
    """A file as the editor would write it (for merging like with like)."""
    article, _ = files.parse_bytes(text.encode("utf-8"), rel)
    if article is None:
        return text
    return Fields.from_article(article).to_text()


def keep_mine(db: Session, draft: Draft, root: Path) -> None:
    """Resolve a conflict for the draft: its next publish replaces the file."""
    rel = draft.article_path
    if rel:
        target = files.inside(root, rel)
        if target.exists():
            raw = target.read_bytes()
            draft.base_text, draft.base_hash = raw.decode("utf-8"), content_hash(raw)
    draft.conflict_text = None
    db.commit()


def take_theirs(
    db: Session, draft: Draft, root: Path, user: User, link: str = ""
) -> None:
    """Resolve a conflict by starting the draft again from the published file."""
    rel = draft.article_path
    if not rel:
        return
    target = files.inside(root, rel)
    raw = target.read_bytes()
    article, _ = files.parse_bytes(raw, rel)
    if article is None:
        raise EditingError("the published file cannot be read")
    before = text_of(draft)
    _apply(draft, Fields.from_article(article))
    draft.base_text, draft.base_hash = raw.decode("utf-8"), content_hash(raw)
    draft.conflict_text = None
    if text_of(draft) != before:  # a change of the text like any other
        draft.revision += 1
        was = draft.state
        review.reopen(db, draft, user, link=link)
        review.record(db, draft, user, text_of(draft), was=was)
    db.commit()


# -- knowledge capture ----------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])")
_REFERENCE = re.compile(r"\bJWB-[0-9A-Z]{5}\b")


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """``text`` without email addresses, phone numbers, references or ``names``."""
    text = _EMAIL.sub("[email]", text)
    text = _REFERENCE.sub("[reference]", text)
    text = _PHONE.sub("[phone]", text)
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        text = re.sub(re.escape(name), "[name]", text, flags=re.IGNORECASE)
    return text


def slugify(title: str) -> str:
    """A slug suggestion from a title."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:80].strip("-")


# -- translations ---------------------------------------------------------
def _section_hashes(library: Library, slug: str) -> list[str]:
    try:
        sections = library.rendered(slug).sections
    except Exception:  # noqa: BLE001 - an unrenderable article has no sections
        return []
    return [content_hash(f"{s.heading}\n{s.text}") for s in sections]


def _counterpart(library: Library, article: ArticleFile) -> ArticleFile | None:
    other = next((lang for lang in files.LANGS if lang != article.lang), None)
    return library.translation_of(article, other) if other else None


def remember_counterpart(db: Session, library: Library, slug: str) -> None:
    """After publishing ``slug``: its counterpart's sections as they are now."""
    article = library.get(slug)
    counterpart = _counterpart(library, article) if article else None
    if article is None or counterpart is None:
        return
    row = db.get(TranslationBaseline, slug) or TranslationBaseline(slug=slug)
    row.counterpart_slug = counterpart.slug
    row.hashes = json.dumps(_section_hashes(library, counterpart.slug))
    row.created_at = utcnow()
    db.merge(row)
    db.commit()


@dataclass(frozen=True)
class Outdated:
    """Sections of the counterpart that changed after this translation."""

    counterpart: ArticleFile
    headings: tuple[str, ...]  # "" for the text before the first heading


def outdated(db: Session, library: Library, article: ArticleFile) -> Outdated | None:
    """Whether ``article`` lags behind its other-language version, per section."""
    counterpart = _counterpart(library, article)
    row = db.get(TranslationBaseline, article.slug)
    if counterpart is None or row is None or row.counterpart_slug != counterpart.slug:
        return None
    try:
        before = json.loads(row.hashes)
        sections = library.rendered(counterpart.slug).sections
    except Exception:  # noqa: BLE001 - unreadable baseline or article: say nothing
        return None
    now = [content_hash(f"{s.heading}\n{s.text}") for s in sections]
    changed = tuple(
        sections[i].heading
        for i in range(len(now))
        if i >= len(before) or before[i] != now[i]
    )
    return Outdated(counterpart, changed) if changed else None
