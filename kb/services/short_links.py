"""Short links for public replies: ``<KB_SHORT_BASE_URL or KB_BASE_URL>/s/<code>``.

Instagram and TikTok comments do not make links clickable, so a customer may
have to type the link: it has to be short. The short link's code *is* the
public reply's code (kb.services.public_replies), so ``/s/<code>`` redirects
to the same long link a reply carried before (``?src=&s=&r=#anchor``, built by
kb.services.composer) and attribution works as it always did: the article
page counts the view by its ``r=``, the redirect itself counts nothing.

Rows are made when a reply is drafted, so some are never posted. What one row
holds (article, language, section, platform, when) is no personal data; still,
:func:`prune` deletes those older than :data:`UNUSED_DAYS` whose reply was never
copied and whose link was never opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app, has_request_context, request
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.services import composer, public_replies
from kb.services.articles import Library
from kb.storage.articles import ArticleFile
from kb.storage.db import relaxed_write
from kb.storage.models import ArticleViewLog, PublicReply, ShortLink
from kb.vocab import LANGUAGES, PLATFORMS

PATH = "/s/"
# The same code's private step: ``/p/<code>`` opens the contact form prefilled
# with the reply's article and platform (as short as /s/, so it fits TikTok).
PRIVATE_PATH = "/p/"
# A draft's link that nobody copied or opened within this many days never will.
UNUSED_DAYS = 30
# Built once: building it with .values() on every draft cost more than running it.
_INSERT = insert(ShortLink)


def short_root() -> str:
    """``KB_SHORT_BASE_URL``, else ``KB_BASE_URL``, else (development) the host."""
    config = current_app.config
    root = config.get("SHORT_BASE_URL") or config.get("BASE_URL") or ""
    if not root and has_request_context():
        # Development only: production requires KB_BASE_URL (kb.config.validate).
        root = request.host_url
    return str(root).rstrip("/")


def short_url(code: str) -> str:
    """The short link of a reply code."""
    return f"{short_root()}{PATH}{code}"


def private_url(code: str) -> str:
    """The short link to the private contact form of a reply code."""
    return f"{short_root()}{PRIVATE_PATH}{code}"


def shorten(
    db: Session,
    *,
    code: str,
    slug: str,
    lang: str,
    anchor: str | None,
    platform: str,
) -> str:
    """The short link for a public reply: <KB_SHORT_BASE_URL or KB_BASE_URL>/s/<code>.

    Idempotent per code. While the reply is not yet copied (no public reply
    recorded), drafting it again for another article or section moves the link
    there; once copied, the link is what was posted and never changes.
    """
    if not public_replies.valid_code(code):
        raise ValueError(f"not a reply code: {code!r}")
    if lang not in LANGUAGES or platform not in PLATFORMS:
        raise ValueError(f"unknown language or platform: {lang!r}, {platform!r}")
    anchor = anchor or None
    # Most codes are new (one per draft): insert first, look up only when the
    # code is taken. A draft's row is not waited for on disk: nobody was told
    # it is kept until the reply is copied (public_replies commits that
    # durably), and a draft must cost about as much as a search.
    row = {"code": code, "slug": slug, "lang": lang, "anchor": anchor}
    try:
        relaxed_write(db, _INSERT, {**row, "platform": platform})
        return short_url(code)
    except IntegrityError:  # drafted before (or twice at once)
        pass
    found = resolve(db, code)
    if (
        found is not None
        and (found.slug, found.lang, found.anchor, found.platform)
        != (
            slug,
            lang,
            anchor,
            platform,
        )
        and public_replies.find(db, code) is None
    ):
        found.slug, found.lang, found.anchor = slug, lang, anchor
        found.platform = platform
        db.commit()
    return short_url(code)


def resolve(db: Session, code: str) -> ShortLink | None:
    """The short link of ``code``; None for an unknown or malformed code."""
    if not public_replies.valid_code(code):
        return None
    return db.get(ShortLink, code)


def article_for(lib: Library, link: ShortLink) -> ArticleFile | None:
    """The published article a short link leads to, through renames (aliases)."""
    return lib.get(link.slug) or lib.redirect_for(link.slug)


def target(
    lib: Library, link: ShortLink, article_url: Callable[[str, str], str]
) -> str | None:
    """Where ``/s/<code>`` redirects: the reply's long link; None: article gone.

    ``article_url(lang, slug)`` is the article page's absolute URL. A renamed
    article is found by its old slug and a renamed section by its old anchor;
    a section that no longer exists leaves the link on the article.
    """
    found = article_for(lib, link)
    if found is None:
        return None
    section = None
    if link.anchor:
        anchor = found.anchors.get(link.anchor, link.anchor)
        if any(h.anchor == anchor for h in lib.headings(found.slug)):
            section = anchor
    long_link = composer.reply_link(
        article_url(found.lang, found.slug), link.platform, section
    )
    return composer.with_reply_code(long_link, link.code)


def contact_target(
    lib: Library, link: ShortLink, contact_url: Callable[..., str]
) -> str:
    """Where ``/p/<code>`` redirects: the contact form, article and platform prefilled.

    ``contact_url(lang, **args)`` is the form's absolute URL. What the long
    handoff link (``/contact?article=&platform=``) gives: a renamed article is
    followed; a vanished one still leads to the form (in the reply's
    language), which then asks for the article itself.
    """
    found = article_for(lib, link)
    if found is None:
        return contact_url(link.lang, article=link.slug, platform=link.platform)
    return contact_url(found.lang, article=found.slug, platform=link.platform)


def prune(db: Session, now: dt.datetime, days: int = UNUSED_DAYS) -> int:
    """Delete short links older than ``days`` never copied nor opened; how many."""
    cutoff = now - dt.timedelta(days=days)
    copied = select(PublicReply.code)
    opened = select(ArticleViewLog.reply_code).where(
        ArticleViewLog.reply_code.is_not(None)
    )
    result = db.execute(
        delete(ShortLink).where(
            ShortLink.created_at < cutoff,
            ShortLink.code.not_in(copied),
            ShortLink.code.not_in(opened),
        )
    )
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
