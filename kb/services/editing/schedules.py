"""Schedules: a draft approved now and published later, by cron or the editor's page.

Scheduling approves the revision the editor saw; exactly that revision is
published when its time comes (``kb editor publish-due``, or opening /editor).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.services.editing import review
from kb.services.editing.publishing import CHANGED, Published, Site, publish
from kb.services.editing.review import may_publish
from kb.storage.models import Draft, User, utcnow

log = logging.getLogger(__name__)


def schedule(
    db: Session,
    draft: Draft,
    user: User,
    when: dt.datetime,
    *,
    revision: int | None,
) -> str | None:
    """Publish the draft at ``when`` (UTC); why not, when it may not be.

    Scheduling approves the draft's ``revision`` (the one the editor saw):
    :data:`CHANGED` when the draft is no longer at it.
    """
    refused = may_publish(db, draft, user)
    if refused:
        return refused
    if revision is None or revision != draft.revision:
        return CHANGED
    draft.state = "scheduled"
    draft.publish_at = when
    draft.approved_by_id = user.id
    draft.approved_revision = draft.revision
    draft.lock_user_id = draft.lock_at = None
    db.commit()
    return None


def unschedule(db: Session, draft: Draft) -> None:
    """Take a scheduled draft back to being written."""
    draft.state = "editing"
    draft.publish_at = None
    db.commit()


def publish_due(
    db: Session, site: Site, now: dt.datetime | None = None
) -> list[Published]:
    """Publish every scheduled draft whose time has come (by whoever scheduled it).

    Exactly the revision that was scheduled is published; a draft scheduled
    before Jawab kept that revision goes back to editing and its scheduler is
    told, since nothing shows its text is still the one they approved.
    """
    now = now or utcnow()
    due = db.scalars(
        select(Draft).where(Draft.state == "scheduled", Draft.publish_at.is_not(None))
    ).all()
    results = []
    for draft in due:
        moment = draft.publish_at
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        if moment is None or moment > now:
            continue
        publisher = db.get(User, draft.approved_by_id) if draft.approved_by_id else None
        if publisher is None:
            continue
        if draft.approved_revision is None:
            review.reopen(db, draft, publisher, link=site.link(draft), why="unpinned")
            db.commit()
            continue
        result = publish(db, draft, publisher, site, revision=draft.approved_revision)
        if not result.ok:
            # Keep it visible to editors instead of retrying a broken draft forever.
            draft.state = "editing"
            db.commit()
            log.warning("scheduled draft %s was not published: %s", draft.id, result)
        results.append(result)
    return results
