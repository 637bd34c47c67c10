"""Translations: whether an article lags behind its other-language version.

After a publish, the counterpart's sections are remembered as hashes; when
they change later, the translation is flagged section by section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kb.services.articles import Library
from kb.services.editing.fields import content_hash
from kb.storage import articles as files
from kb.storage.articles import ArticleFile
from kb.storage.models import TranslationBaseline, utcnow


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
