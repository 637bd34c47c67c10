"""A draft as the editor's form holds it, and the article file it becomes.

:class:`Fields` is the one conversion between a draft row, a parsed article
file and the text written to ``articles/``; the front matter is always written
by a YAML serializer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

import yaml

from kb.storage import articles as files
from kb.storage.articles import ArticleFile
from kb.storage.models import Draft

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
    # Front matter the form does not show (anchors, reviewed, publish_at, problem).
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
        if article.problem:
            extra["problem"] = article.problem
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
        if self.extra.get("problem"):
            meta["problem"] = str(self.extra["problem"])
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


def text_of(draft: Draft) -> str:
    """The article file the draft would make now (without the ``updated`` date)."""
    return Fields.from_draft(draft).to_text()


def normalized(text: str, rel: str) -> str:
    """A file as the editor would write it (for merging like with like)."""
    article, _ = files.parse_bytes(text.encode("utf-8"), rel)
    if article is None:
        return text
    return Fields.from_article(article).to_text()
