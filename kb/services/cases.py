"""Cases: a public thread handed off to the private contact form.

A case code travels in the handoff link; tickets opened through it keep the code
in ``tickets.case_code``, which is how a case finds its tickets.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.storage.models import Case, Ticket

# No 0/O, 1/I/L: agents read codes aloud and customers type them.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


@dataclass(frozen=True)
class CaseInput:
    """A public thread to continue privately."""

    thread_url: str
    platform: str
    handle: str = ""
    article_slug: str | None = None
    created_by: int | None = None


def new_code() -> str:
    """A random case code like ``C-7K3Q9M``."""
    return "C-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def create(db: Session, data: CaseInput) -> Case:
    """Store a case under a code no other case has."""
    code = new_code()
    while find(db, code) is not None:  # 31**6 codes: a clash is rare, not impossible
        code = new_code()
    case = Case(
        code=code,
        thread_url=data.thread_url,
        platform=data.platform,
        handle=data.handle,
        article_slug=data.article_slug,
        created_by=data.created_by,
    )
    db.add(case)
    db.commit()
    return case


def find(db: Session, code: str) -> Case | None:
    """A case by its code."""
    return db.scalars(select(Case).where(Case.code == code)).first()


def tickets_for(db: Session, code: str) -> list[Ticket]:
    """Tickets opened through the case's handoff link, oldest first."""
    query = select(Ticket).where(Ticket.case_code == code).order_by(Ticket.created_at)
    return list(db.scalars(query))
