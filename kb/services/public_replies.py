"""Public replies by their ``r=`` code: views of the link, and what became of them.

The composer records a reply when the agent copies it (kb.services.composer);
the agent sets its outcome with one click, and a ticket opened through the
reply's case within :data:`PRIVATE_WITHIN` makes it "moved to private" by itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kb.storage.models import ArticleViewLog, PublicReply, utcnow
from kb.vocab import REPLY_OUTCOMES

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # short and unambiguous in a link
CODE_LENGTH = 8
PRIVATE_WITHIN = dt.timedelta(days=7)


def new_code() -> str:
    """A random reply code for the ``r=`` link parameter."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def valid_code(code: str | None) -> bool:
    """True for a code :func:`new_code` could have made."""
    return (
        bool(code)
        and len(code or "") == CODE_LENGTH
        and set(code or "") <= set(ALPHABET)
    )


def record(
    db: Session,
    *,
    code: str,
    user_id: int | None,
    slug: str,
    section: str | None,
    lang: str,
    platform: str,
    case_code: str | None,
    kind: str = "answer",
) -> PublicReply | None:
    """Store a copied reply once per code (copying twice records it once)."""
    found = find(db, code)
    if found is not None:
        return found
    reply = PublicReply(
        code=code,
        user_id=user_id,
        slug=slug,
        section=section or None,
        lang=lang,
        platform=platform,
        case_code=case_code or None,
        kind=kind,
    )
    db.add(reply)
    return reply


def find(db: Session, code: str) -> PublicReply | None:
    """A public reply by its code."""
    return db.scalars(select(PublicReply).where(PublicReply.code == code)).first()


@dataclass(frozen=True)
class ReplyRow:
    """A public reply with how often its link was opened."""

    reply: PublicReply
    views: int


def for_user(db: Session, user_id: int, limit: int = 100) -> list[ReplyRow]:
    """The user's latest public replies with their link views."""
    replies = list(
        db.scalars(
            select(PublicReply)
            .where(PublicReply.user_id == user_id)
            .order_by(PublicReply.created_at.desc(), PublicReply.id.desc())
            .limit(limit)
        )
    )
    codes = [r.code for r in replies]
    views: dict[str, int] = {}
    if codes:
        query = (
            select(ArticleViewLog.reply_code, func.count())
            .where(ArticleViewLog.reply_code.in_(codes))
            .group_by(ArticleViewLog.reply_code)
        )
        views = {str(code): int(n) for code, n in db.execute(query)}
    return [ReplyRow(r, int(views.get(r.code, 0))) for r in replies]


def set_outcome(db: Session, reply: PublicReply, outcome: str) -> None:
    """Settled, moved to private, needs follow-up (or back to not known)."""
    if outcome not in REPLY_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    reply.outcome = outcome
    reply.outcome_at = utcnow() if outcome != "open" else None
    db.commit()


def moved_to_private(db: Session, case_code: str, now: dt.datetime) -> int:
    """Replies of ``case_code`` from the last 7 days with no outcome → private."""
    result = db.execute(
        update(PublicReply)
        .where(
            PublicReply.case_code == case_code,
            PublicReply.outcome == "open",
            PublicReply.created_at >= now - PRIVATE_WITHIN,
        )
        .values(outcome="private", outcome_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
