"""The web editor: drafts, their changes and comments, settings, translations,
update requests."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.storage.models.base import Base, utcnow

if TYPE_CHECKING:  # relationships name tables of other areas
    from kb.storage.models.analytics import VoteLog
    from kb.storage.models.staff import User


class Draft(Base):
    """Unpublished work on one article: never in ``articles/`` or the index.

    ``base_text``/``base_hash`` are the file as it was when the draft started
    (empty for a new article), so publishing can tell whether someone else
    changed it since and merge three ways.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    base_hash: Mapped[str] = mapped_column(String(64), default="")
    base_text: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(2), default="id")
    slug: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    tags: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    aliases: Mapped[str] = mapped_column(String(500), default="")
    translation: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default="published")
    owner: Mapped[str] = mapped_column(String(120), default="")
    # Front matter the form does not show (anchors, reviewed), kept as JSON.
    extra: Mapped[str] = mapped_column(Text, default="{}")
    body: Mapped[str] = mapped_column(Text, default="")
    # editing, proposed, scheduled, published or discarded
    state: Mapped[str] = mapped_column(String(16), default="editing", index=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # The soft lock: who has the draft open, refreshed by each (auto)save.
    lock_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    lock_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    source_ticket: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # When a scheduled draft goes live (state "scheduled"); a draft until then.
    publish_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    published_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The published file when the last publish found a conflict (for the view).
    conflict_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The revision the last approval (a schedule) was given to: whoever changed
    # the text after it (see ``DraftChange``) may not approve it again.
    approved_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    lock_user: Mapped[User | None] = relationship(foreign_keys=[lock_user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    comments: Mapped[list[DraftComment]] = relationship(
        back_populates="draft",
        order_by="DraftComment.id",
        cascade="all, delete-orphan",
    )


class DraftChange(Base):
    """Who changed a draft's text, to which revision, and the text then.

    One row per run of saves by one person while the draft is being written
    (autosaves update the run's row); a change to a draft under review always
    starts a new row, so the revision a reviewer was shown is kept as it was.
    """

    __tablename__ = "draft_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    # The article file the draft made at ``revision`` (None: not known).
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class DraftComment(Base):
    """A reviewer's comment on a draft, or an entry Jawab wrote in its history."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "comment" (a person wrote ``body``) or "reopened" (Jawab: a change sent
    # the draft back to being written; ``body`` is JSON of what it was).
    kind: Mapped[str] = mapped_column(
        String(16), default="comment", server_default="comment"
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    draft: Mapped[Draft] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class EditorSetting(Base):
    """An admin's choice for the editor area, e.g. ``require_second_person``."""

    __tablename__ = "editor_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class TranslationBaseline(Base):
    """The sections of an article's counterpart when the article was last published.

    A section of the counterpart whose hash differs from the one kept here
    changed after this translation: the translation may be outdated there.
    """

    __tablename__ = "translation_baselines"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    counterpart_slug: Mapped[str] = mapped_column(String(120))
    hashes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, by position
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class UpdateRequest(Base):
    """ "This article needs an update": one reason, from a ticket, a vote or a person.

    Open requests (``cleared_at`` empty) make the editor's "Needs update" list;
    publishing the article clears them all, remembering the commit that did.
    """

    __tablename__ = "update_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    # The ticket it came from (its reference), or the "not helpful" vote.
    ticket_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    vote_id: Mapped[int | None] = mapped_column(
        ForeignKey("votes.id", ondelete="SET NULL"), nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    cleared_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    cleared_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    user: Mapped[User | None] = relationship()
    vote: Mapped[VoteLog | None] = relationship()
