"""The agents' workspace: the ticket queue."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from kb.security import role_required
from kb.storage import db
from kb.storage.models import STATUSES, Ticket, User

bp = Blueprint("agent", __name__, url_prefix="/agent")


@bp.get("/")
@role_required("agent")
def queue() -> str:
    """Tickets to work on, newest first, filtered by status and owner."""
    status = request.args.get("status", "")
    owner = request.args.get("owner", "")
    query = select(Ticket).order_by(Ticket.created_at.desc()).limit(200)
    if status in STATUSES:
        query = query.where(Ticket.status == status)
    if owner == "mine":
        query = query.where(Ticket.assignee_id == current_user.id)
    elif owner == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None))
    database = db.session()
    found = database.scalars(query).all()
    names = dict(database.execute(select(User.id, User.name)).all())
    return render_template(
        "agent/queue.html",
        tickets=found,
        names=names,
        status=status,
        owner=owner,
        statuses=STATUSES,
        lang=str(get_locale()),
        noindex=True,
    )
