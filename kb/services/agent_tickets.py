"""The agents' side of tickets: the queue, replies, internal notes, changes.

Searching the queue reads the database only (tickets are private: they never
reach the public search index). Every change an agent makes is written as a
:class:`TicketEvent` with the acting user, in the same transaction as the change;
a reply to the customer is mailed through the outbox in that transaction too.
No request, session or flash here: views pass plain values in.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, selectinload

from kb.markdown import message_html
from kb.services import mail
from kb.services.tickets import mailed_link, set_status
from kb.storage.models import (
    PRIORITIES,
    STATUSES,
    LinkedArticle,
    Message,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)

SORTS = ("oldest", "newest", "priority")
# The queue's views, in the order the header shows them. "open" is the default:
# resolved and closed tickets are hidden until an agent asks for "all".
VIEWS = ("mine", "unassigned", "waiting", "overdue", "open", "all")
OPEN_STATUSES = ("new", "open", "waiting")
# "Waiting on us": the customer spoke last (a reply sets "waiting").
WAITING_ON_US = ("new", "open")
BULK_ACTIONS = ("assign", "close")
QUEUE_LIMIT = 200
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
ARTICLE_PATH = re.compile(r"\A/(?:id|en)/articles/([A-Za-z0-9_-]+)/?\Z")


class AgentTicketError(ValueError):
    """A change an agent asked for that cannot be made."""


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: filters, a free-text search and an order."""

    user_id: int
    status: str = ""
    priority: str = ""
    assignee: str = ""  # "", "mine", "unassigned" or a user id
    category: str = ""
    platform: str = ""
    q: str = ""
    sort: str = "oldest"
    view: str = "open"
    targets: dict[str, int] | None = None  # first-response targets (overdue view)
    now: dt.datetime | None = None


@dataclass(frozen=True)
class QueueRow:
    """One ticket in the queue with what the agent needs to triage it."""

    ticket: Ticket
    assignee: str | None
    age: dt.timedelta
    overdue: bool
    preview: str = ""  # the customer's latest message, on one line


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change, ready to show."""

    user: str | None
    field: str
    old: str | None
    new: str | None
    created_at: dt.datetime
    by_customer: bool = False


@dataclass(frozen=True)
class Changes:
    """Status, priority and assignee an agent submitted (None: no assignee)."""

    status: str
    priority: str
    assignee_id: int | None


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so a search for ``50%`` means the characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_overdue(ticket: Ticket, targets: dict[str, int], now: dt.datetime) -> bool:
    """True when the ticket has no first response and its target has passed."""
    if ticket.first_response_at is not None:
        return False
    target = targets.get(ticket.priority, targets.get("normal", 24 * 3600))
    return now - _aware(ticket.created_at) > dt.timedelta(seconds=target)


def _due(targets: dict[str, int], now: dt.datetime) -> dict[str, dt.datetime]:
    """Per priority: a ticket created before this instant is past its target."""
    default = targets.get("normal", 24 * 3600)
    return {
        name: now - dt.timedelta(seconds=targets.get(name, default))
        for name in PRIORITIES
    }


def _overdue_clause(due: dict[str, Any]) -> ColumnElement:
    """SQL for :func:`is_overdue`: no first response and past the target."""
    late = [
        and_(Ticket.priority == name, Ticket.created_at < due[name])
        for name in PRIORITIES
    ]
    return and_(Ticket.first_response_at.is_(None), or_(*late) if late else false())


def _view_clause(
    view: str,
    user_id: Any,
    targets: dict[str, int],
    now: dt.datetime,
    *,
    any_status: bool = False,
    due: dict[str, Any] | None = None,
) -> ColumnElement:
    """The condition one of :data:`VIEWS` puts on tickets.

    ``any_status``: the agent filtered by status, which wins over the view's.
    ``user_id`` and ``due`` may be bound parameters (see :func:`view_counts`).
    """
    anything = Ticket.id.is_not(None)
    is_open = anything if any_status else Ticket.status.in_(OPEN_STATUSES)
    if view == "mine":
        return and_(is_open, Ticket.assignee_id == user_id)
    if view == "unassigned":
        return and_(is_open, Ticket.assignee_id.is_(None))
    if view == "waiting":
        return anything if any_status else Ticket.status.in_(WAITING_ON_US)
    if view == "overdue":
        return and_(is_open, _overdue_clause(due or _due(targets, now)))
    if view == "open":
        return is_open
    return anything


@functools.cache
def _counts_statement() -> Select:
    # Built once: the header shows these counts on every staff page, and
    # building the expression cost more than running it. The user and the
    # instants are bound per call.
    views = [view for view in VIEWS if view != "all"]
    due: dict[str, Any] = {name: bindparam(f"due_{name}") for name in PRIORITIES}
    columns = [
        func.count(
            case((_view_clause(view, bindparam("user_id"), {}, utcnow(), due=due), 1))
        ).label(view)
        for view in views
    ]
    return select(*columns).select_from(Ticket)


def view_counts(
    db: Session, user_id: int, targets: dict[str, int], now: dt.datetime
) -> dict[str, int]:
    """How many tickets each view of the queue holds (one query)."""
    params: dict[str, Any] = {"user_id": user_id}
    params |= {f"due_{name}": when for name, when in _due(targets, now).items()}
    row = db.execute(_counts_statement(), params).one()
    return {view: int(row._mapping[view] or 0) for view in VIEWS if view != "all"}


def _queue_query(filters: QueueFilter) -> Select:
    query = select(Ticket)
    if filters.status in STATUSES:
        # An explicit status wins over the view's (a "closed" filter shows them).
        query = query.where(Ticket.status == filters.status)
    if filters.view in VIEWS and filters.view != "all":
        clause = _view_clause(
            filters.view,
            filters.user_id,
            filters.targets or {},
            filters.now or utcnow(),
            any_status=filters.status in STATUSES,
        )
        query = query.where(clause)
    if filters.priority in PRIORITIES:
        query = query.where(Ticket.priority == filters.priority)
    if filters.assignee == "mine":
        query = query.where(Ticket.assignee_id == filters.user_id)
    elif filters.assignee == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee.isdigit():
        query = query.where(Ticket.assignee_id == int(filters.assignee))
    if filters.category:
        query = query.where(Ticket.category == filters.category)
    if filters.platform:
        query = query.where(Ticket.platform == filters.platform)
    if filters.q:
        pattern = f"%{escape_like(filters.q)}%"
        in_messages = select(Message.ticket_id).where(
            Message.body.ilike(pattern, escape="\\")
        )
        query = query.where(
            or_(
                Ticket.reference.ilike(pattern, escape="\\"),
                Ticket.subject.ilike(pattern, escape="\\"),
                Ticket.name.ilike(pattern, escape="\\"),
                Ticket.email.ilike(pattern, escape="\\"),
                Ticket.id.in_(in_messages),
            )
        )
    if filters.sort == "newest":
        return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if filters.sort == "priority":
        rank = case(
            {name: index for index, name in enumerate(PRIORITIES)},
            value=Ticket.priority,
            else_=1,
        )
        return query.order_by(rank.desc(), Ticket.created_at, Ticket.id)
    return query.order_by(Ticket.created_at, Ticket.id)


def queue(
    db: Session, filters: QueueFilter, targets: dict[str, int], now: dt.datetime
) -> list[QueueRow]:
    """Tickets matching ``filters``, with age and the overdue mark."""
    found = db.scalars(_queue_query(filters).limit(QUEUE_LIMIT)).all()
    names: dict[int, str] = {
        row.id: row.name for row in db.execute(select(User.id, User.name))
    }
    previews = _previews(db, [ticket.id for ticket in found])
    return [
        QueueRow(
            ticket=ticket,
            assignee=names.get(ticket.assignee_id),
            age=now - _aware(ticket.created_at),
            overdue=is_overdue(ticket, targets, now),
            preview=previews.get(ticket.id, ""),
        )
        for ticket in found
    ]


def _previews(db: Session, ticket_ids: list[int], length: int = 140) -> dict:
    """Each ticket's latest customer message, folded to one short line."""
    if not ticket_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(Message.ticket_id.in_(ticket_ids), Message.author == "customer")
        .group_by(Message.ticket_id)
    )
    rows = db.execute(
        select(Message.ticket_id, Message.body).where(Message.id.in_(latest))
    )
    previews = {}
    for ticket_id, body in rows:
        line = " ".join((body or "").split())
        previews[ticket_id] = line if len(line) <= length else line[:length] + "…"
    return previews


def filter_options(db: Session) -> tuple[list[str], list[str]]:
    """Categories and platforms that occur on tickets, for the queue filters."""
    categories = db.scalars(
        select(Ticket.category).where(Ticket.category != "").distinct()
    ).all()
    platforms = db.scalars(
        select(Ticket.platform).where(Ticket.platform.is_not(None)).distinct()
    ).all()
    return sorted(categories), sorted(p for p in platforms if p)


def get(db: Session, reference: str) -> Ticket | None:
    """The ticket with this reference and its whole conversation, or None."""
    return db.scalars(
        select(Ticket)
        .where(Ticket.reference == reference.strip().upper())
        .options(selectinload(Ticket.messages))
    ).first()


def active_users(db: Session) -> list[User]:
    """Staff a ticket can be assigned to."""
    return list(db.scalars(select(User).where(User.active).order_by(User.name)))


def history(db: Session, ticket: Ticket) -> list[HistoryEntry]:
    """The ticket's recorded changes, oldest first, with who made them."""
    rows = db.execute(
        select(TicketEvent, User.name)
        .outerjoin(User, User.id == TicketEvent.user_id)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    ).all()
    return [
        HistoryEntry(
            name,
            event.field,
            event.old_value,
            event.new_value,
            event.created_at,
            bool(event.by_customer),
        )
        for event, name in rows
    ]


@dataclass(frozen=True)
class OtherTicket:
    """Another ticket from the same customer, for the agent's side panel."""

    reference: str
    subject: str
    status: str
    created_at: dt.datetime
    merged: bool


def others_from_customer(db: Session, ticket: Ticket, limit: int = 20) -> list:
    """The customer's other tickets (same email, any case), newest first."""
    rows = db.scalars(
        select(Ticket)
        .where(
            func.lower(Ticket.email) == ticket.email.lower(),
            Ticket.id != ticket.id,
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    return [
        OtherTicket(
            t.reference, t.subject, t.status, t.created_at, t.merged_into_id is not None
        )
        for t in rows
    ]


def linked(db: Session, ticket: Ticket) -> list[tuple[str, str | None]]:
    """(slug, section) of the articles linked in this ticket's replies, in order."""
    rows = db.execute(
        select(LinkedArticle.article_slug, LinkedArticle.section)
        .where(LinkedArticle.ticket_id == ticket.id)
        .order_by(LinkedArticle.id)
    ).all()
    found: list[tuple[str, str | None]] = []
    for slug, section in rows:
        if (slug, section) not in found:
            found.append((slug, section))
    return found


def _record(
    db: Session,
    ticket: Ticket,
    user_id: int,
    field: str,
    old: str | None,
    new: str | None,
) -> bool:
    if old == new:
        return False
    db.add(
        TicketEvent(
            ticket_id=ticket.id,
            user_id=user_id,
            field=field,
            old_value=old,
            new_value=new,
        )
    )
    return True


def update(
    db: Session,
    ticket: Ticket,
    user_id: int,
    changes: Changes,
    link_for: Callable[[str, str], str] | None = None,
) -> int:
    """Apply status, priority and assignee changes; return how many changed.

    A ticket that becomes resolved mails the customer a link to rate it, when
    ``link_for(reference, token)`` can build the secret link.
    """
    if changes.status not in STATUSES or changes.priority not in PRIORITIES:
        raise AgentTicketError("unknown status or priority")
    names: dict[int, str] = {
        row.id: row.name for row in db.execute(select(User.id, User.name))
    }
    if changes.assignee_id is not None and changes.assignee_id not in names:
        raise AgentTicketError("unknown assignee")
    # Names, not ids, so the history still reads right after an account is gone.
    changed = sum(
        [
            _record(db, ticket, user_id, "status", ticket.status, changes.status),
            _record(db, ticket, user_id, "priority", ticket.priority, changes.priority),
            _record(
                db,
                ticket,
                user_id,
                "assignee",
                names.get(ticket.assignee_id) if ticket.assignee_id else None,
                names.get(changes.assignee_id) if changes.assignee_id else None,
            ),
        ]
    )
    solved_now = changes.status == "resolved" and ticket.status != "resolved"
    set_status(ticket, changes.status)
    if solved_now and link_for is not None:
        link = mailed_link(db, ticket, link_for)
        mail.enqueue(
            db, mail.ticket_solved(ticket, link, link + "#rating"), ticket=ticket
        )
    ticket.priority = changes.priority
    ticket.assignee_id = changes.assignee_id
    if changed:
        ticket.updated_at = utcnow()
    db.commit()
    return changed


def bulk(
    db: Session,
    references: list[str],
    user_id: int,
    action: str,
    assignee_id: int | None = None,
) -> int:
    """Assign or close several tickets at once; return how many changed."""
    if action not in BULK_ACTIONS:
        raise AgentTicketError("unknown action")
    wanted = {ref.strip().upper() for ref in references if ref.strip()}
    found = db.scalars(select(Ticket).where(Ticket.reference.in_(wanted))).all()
    changed = 0
    for ticket in found:
        changes = Changes(
            status="closed" if action == "close" else ticket.status,
            priority=ticket.priority,
            assignee_id=assignee_id if action == "assign" else ticket.assignee_id,
        )
        changed += 1 if update(db, ticket, user_id, changes) else 0
    return changed


def linked_articles(body: str, site_root: str) -> list[tuple[str, str | None]]:
    """(slug, section anchor) of every Markdown link to this site's articles."""
    root = urlsplit(site_root)
    found: list[tuple[str, str | None]] = []
    for url in MARKDOWN_LINK.findall(body):
        parts = urlsplit(url)
        if parts.netloc and (parts.scheme, parts.netloc) != (root.scheme, root.netloc):
            continue  # another site's page that happens to look like ours
        match = ARTICLE_PATH.match(parts.path)
        if match:
            link = (match.group(1), parts.fragment or None)
            if link not in found:
                found.append(link)
    return found


def add_message(
    db: Session,
    ticket: Ticket,
    user_id: int,
    body: str,
    *,
    internal: bool,
    status: str | None,
    site_root: str,
    link_for: Callable[[str, str], str] | None = None,
    new_link_url: str = "",
) -> Message:
    """Store a reply (mailed to the customer) or an internal note (never shown).

    A reply sets the first response time and, unless ``status`` says otherwise,
    waits for the customer. A note changes the status only when asked to.
    """
    if status is not None and status not in STATUSES:
        raise AgentTicketError("unknown status")
    if not internal and link_for is None:
        raise AgentTicketError("a reply needs link_for: its mail carries the link")
    message = Message(
        author="agent",
        body=body,
        body_html=message_html(body),
        internal=internal,
        user_id=user_id,
    )
    ticket.messages.append(message)
    now = utcnow()
    new_status = status or (ticket.status if internal else "waiting")
    _record(db, ticket, user_id, "status", ticket.status, new_status)
    set_status(ticket, new_status)
    ticket.updated_at = now
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        assert link_for is not None  # refused above for a public reply
        link = mailed_link(db, ticket, link_for)
        rating = link + "#rating" if new_status == "resolved" else None
        author = db.get(User, user_id)
        mail.enqueue(
            db,
            mail.agent_reply(
                ticket,
                message.body_html or "",
                link,
                rating,
                author.name if author else None,
                new_link_url,
            ),
            ticket=ticket,
        )
    db.flush()  # the message id, for the linked-article rows
    for slug, section in linked_articles(body, site_root):
        db.add(
            LinkedArticle(
                ticket_id=ticket.id,
                message_id=message.id,
                user_id=user_id,
                article_slug=slug,
                section=section,
                context="ticket",
                platform=ticket.platform,
            )
        )
    db.commit()
    return message
