"""Analytics events: the one path by which searches, views, votes and staff work
are stored.

Views build a small frozen event and call :func:`record`; nothing else writes
the event tables. Recording never slows the request: events go to a bounded
in-process queue that a background thread writes in batches (a full queue is
written by the caller instead, so nothing is dropped), and the queue is flushed
when the process exits cleanly.

Privacy comes first: no IP address, user agent, cookie or customer account is
ever stored. A visit is a random id the visitor's own tab keeps in
``sessionStorage`` (30 minutes idle); queries and comments are scrubbed of
personal data by the project's one detector (kb.reading.personal_data: emails,
phone, card, account, order and tracking numbers, addresses, long digit runs)
before they reach the queue, while amounts, dates, times and URLs stay.

One bad event never costs the others: every event fits its columns as it is
made (text cut and stripped of what a column cannot hold, numbers clamped), and
when the database still refuses a batch, the writer stores it again event by
event, dropping only the events refused and counting them
(``kb.metrics`` ``events_dropped``) with a log line that names event types and
error classes only, never what a visitor typed.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import logging
import queue
import re
import secrets
import threading
import time
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from kb import metrics
from kb.reading import personal_data
from kb.storage.models import (
    ArticleViewLog,
    Deflection,
    SearchLog,
    StaffWork,
    VoteLog,
    utcnow,
)
from kb.vocab import VOTE_REASONS

log = logging.getLogger(__name__)

QUERY_MAX = 200
COMMENT_MAX = 500
RETYPE_SECONDS = 10  # a longer query typed again this soon replaces the row
QUEUE_SIZE = 10_000
BATCH = 500
IDLE_SECONDS = 5.0  # the writer thread ends when idle; the next event restarts it
# The writer waits this long after an event for more to come: one transaction
# for many events, and not a write racing each search for the interpreter
# (a write per event made /api/search 10-20% slower with logging on).
# flush() cuts the wait short, so reports and tests see events at once.
GATHER_SECONDS = 0.5
SOURCES = ("page", "suggest", "contact", "api")
REASONS = VOTE_REASONS

_VISIT = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,16}$")
# What no column may hold: C0 controls and DEL (PostgreSQL refuses NUL in text;
# tab, newline and carriage return are kept) and lone surrogates (not UTF-8).
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
INT_MAX = 2**31 - 1  # an INTEGER column (PostgreSQL's int4)
DROPPED = "events_dropped"  # the kb.metrics counter of events not stored
_BOT = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|"
    r"curl/|wget|python-|httpx|okhttp|go-http|java/|libwww|scrapy|headless-?shell",
    re.IGNORECASE,
)


# -- the events ---------------------------------------------------------------


def _length(column: InstrumentedAttribute[Any]) -> int:
    return int(column.type.length)


# The longest text each event field may be, from the column that stores it.
LENGTHS = {
    "key": _length(SearchLog.key),
    "visit_id": _length(SearchLog.visit_id),
    "query": min(_length(SearchLog.query), _length(StaffWork.subject)),
    "lang": min(_length(SearchLog.lang), _length(Deflection.lang)),
    "source": min(_length(SearchLog.source), _length(ArticleViewLog.source)),
    "best_slug": _length(SearchLog.best_slug),
    "slug": min(
        _length(ArticleViewLog.slug),
        _length(StaffWork.subject),
        _length(Deflection.article_slug),
    ),
    "section": min(_length(VoteLog.section), _length(SearchLog.clicked_section)),
    "reply_code": _length(ArticleViewLog.reply_code),
    "reason": _length(VoteLog.reason),
    "comment": _length(VoteLog.comment),
}


def storable(text: str, length: int) -> str:
    """``text`` as a column of ``length`` characters holds it (nothing unstorable)."""
    return UNSTORABLE.sub("", text)[:length]


class _Fits:
    """Makes every event fit its columns as it is made.

    Views validate what visitors send (a 400 names the field); this is the
    second line, so that no caller, now or later, can hand the writer a value a
    column refuses (an out-of-range number or a NUL failed a whole batch on
    PostgreSQL). Text is cut and stripped, numbers clamped to 0 … INT_MAX.
    """

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, int):
                fitted: object = min(max(value, 0), INT_MAX)
            elif isinstance(value, str):
                fitted = storable(value, LENGTHS[field.name])
            else:
                continue
            if fitted != value:
                object.__setattr__(self, field.name, fitted)


@dataclass(frozen=True)
class SearchPerformed(_Fits):
    """A final search: the query already scrubbed by :func:`normalise_query`."""

    key: str
    query: str
    lang: str
    results: int
    corrected: bool
    synonym: bool
    source: str
    visit_id: str | None = None
    best_slug: str | None = None


@dataclass(frozen=True)
class SearchClicked(_Fits):
    """The result a visitor opened after the search named by ``key``."""

    key: str
    slug: str
    rank: int
    section: str | None = None


@dataclass(frozen=True)
class ArticleViewed(_Fits):
    """An article opened; ``source`` is a platform, widget, search, reply or web."""

    slug: str
    lang: str
    source: str
    visit_id: str | None = None
    reply_code: str | None = None


@dataclass(frozen=True)
class Voted(_Fits):
    """ "Was this helpful?" for an article (section "") or one section."""

    key: str
    slug: str
    section: str
    lang: str
    helpful: bool
    visit_id: str | None = None


@dataclass(frozen=True)
class VoteExplained(_Fits):
    """The reason (and scrubbed comment) added to the vote named by ``key``."""

    key: str
    reason: str
    comment: str = ""


@dataclass(frozen=True)
class ArticlePublished(_Fits):
    """An editor published or updated an article (recorded by the editor)."""

    user_id: int | None
    slug: str
    lang: str


@dataclass(frozen=True)
class GapHandled(_Fits):
    """A staff member marked a search gap as handled."""

    user_id: int | None
    lang: str
    query: str


@dataclass(frozen=True)
class Deflected(_Fits):
    """A suggested article opened from the contact form instead of writing."""

    slug: str
    lang: str


Event = (
    SearchPerformed
    | SearchClicked
    | ArticleViewed
    | Voted
    | VoteExplained
    | ArticlePublished
    | GapHandled
    | Deflected
)


# -- scrubbing and small checks ----------------------------------------------


def scrub(text: str) -> str:
    """``text`` with each piece of personal data replaced by ``[kind]``."""
    return personal_data.scrub(text)


def normalise_query(text: str) -> str:
    """A query as stored: NFKC, scrubbed, lower case, one space between words."""
    # Scrubbed before lower-casing: capitals help tell a street name from a verb.
    spaced = " ".join(unicodedata.normalize("NFKC", text).split())
    return scrub(spaced).casefold()[:QUERY_MAX]


def clean_comment(text: str) -> str:
    """A vote comment as stored: whitespace folded, scrubbed, cut short."""
    return scrub(" ".join(text.split()))[:COMMENT_MAX]


def is_bot(user_agent: str | None) -> bool:
    """True for an empty user agent or an obvious crawler, preview or script."""
    return not user_agent or bool(_BOT.search(user_agent))


def visit_id(raw: str | None) -> str | None:
    """A visit id the tab made up, or None when absent or malformed."""
    return raw if raw and _VISIT.match(raw) else None


def event_key(raw: str | None) -> str | None:
    """A search or vote key as sent back by a page, or None when malformed."""
    return raw if raw and _KEY.match(raw) else None


def new_key() -> str:
    """A random key naming one search or vote (12 URL-safe characters)."""
    return secrets.token_urlsafe(9)


# -- writing --------------------------------------------------------------------


def _write_one(db: Session, event: Event, now: dt.datetime) -> None:
    if isinstance(event, SearchPerformed):
        _write_search(db, event, now)
    elif isinstance(event, SearchClicked):
        db.execute(
            update(SearchLog)
            .where(SearchLog.key == event.key, SearchLog.clicked_slug.is_(None))
            .values(
                clicked_slug=event.slug,
                clicked_section=event.section,
                clicked_rank=event.rank,
            )
        )
    elif isinstance(event, ArticleViewed):
        if event.visit_id is not None:
            seen = db.scalar(
                select(ArticleViewLog.id).where(
                    ArticleViewLog.visit_id == event.visit_id,
                    ArticleViewLog.slug == event.slug,
                )
            )
            if seen is not None:  # once per visit
                return
        db.add(
            ArticleViewLog(
                created_at=now,
                visit_id=event.visit_id,
                slug=event.slug,
                lang=event.lang,
                source=event.source,
                reply_code=event.reply_code,
            )
        )
    elif isinstance(event, Voted):
        _write_vote(db, event, now)
    elif isinstance(event, VoteExplained):
        db.execute(
            update(VoteLog)
            .where(VoteLog.key == event.key)
            .values(reason=event.reason, comment=event.comment or None)
        )
    elif isinstance(event, ArticlePublished):
        db.add(
            StaffWork(
                kind="article_published",
                user_id=event.user_id,
                lang=event.lang,
                subject=event.slug,
                created_at=now,
            )
        )
    elif isinstance(event, GapHandled):
        db.add(
            StaffWork(
                kind="gap_handled",
                user_id=event.user_id,
                lang=event.lang,
                subject=event.query,
                created_at=now,
            )
        )
    elif isinstance(event, Deflected):
        db.add(Deflection(article_slug=event.slug, lang=event.lang, created_at=now))


def _write_search(db: Session, event: SearchPerformed, now: dt.datetime) -> None:
    if event.visit_id is not None:
        # Typing on after a search ("reset" → "reset password") is one search.
        last = db.scalars(
            select(SearchLog)
            .where(
                SearchLog.visit_id == event.visit_id,
                SearchLog.created_at >= now - dt.timedelta(seconds=RETYPE_SECONDS),
            )
            .order_by(SearchLog.id.desc())
            .limit(1)
        ).first()
        if (
            last is not None
            and last.clicked_slug is None
            and len(event.query) > len(last.query)
            and event.query.startswith(last.query)
        ):
            last.key, last.query, last.results = event.key, event.query, event.results
            last.corrected, last.synonym = event.corrected, event.synonym
            last.source, last.best_slug, last.created_at = (
                event.source,
                event.best_slug,
                now,
            )
            return
    db.add(
        SearchLog(
            created_at=now,
            key=event.key,
            visit_id=event.visit_id,
            query=event.query,
            lang=event.lang,
            results=event.results,
            corrected=event.corrected,
            synonym=event.synonym,
            source=event.source,
            best_slug=event.best_slug,
        )
    )


def _write_vote(db: Session, event: Voted, now: dt.datetime) -> None:
    if event.visit_id is not None:
        found = db.scalars(
            select(VoteLog).where(
                VoteLog.visit_id == event.visit_id,
                VoteLog.slug == event.slug,
                VoteLog.section == event.section,
            )
        ).first()
        if found is not None:  # once per visit: a changed mind replaces the vote
            found.key, found.helpful = event.key, event.helpful
            found.reason = found.comment = None
            return
    db.add(
        VoteLog(
            key=event.key,
            created_at=now,
            visit_id=event.visit_id,
            slug=event.slug,
            section=event.section,
            lang=event.lang,
            helpful=event.helpful,
        )
    )


def write(db: Session, batch: list[Event], now: dt.datetime | None = None) -> int:
    """Store ``batch`` in order (``now``: for generated data); returns events dropped.

    One transaction for the batch; when the database refuses it, each event is
    stored on its own, so an event it cannot hold costs only itself.
    """
    now = now or utcnow()
    try:
        for event in batch:
            # No flush per event: a later event that reads or updates an earlier
            # one's row queries first, and the session flushes before any query
            # (autoflush), while plain inserts go out as one multi-row INSERT.
            # A flush each cost ~0.3 ms of interpreter time, which a batch of a
            # few hundred took from the searches being served meanwhile.
            _write_one(db, event, now)
        db.commit()
        return 0
    except (OperationalError, InterfaceError) as error:
        # The database is unreachable or locked, not refusing an event: one
        # try per event would wait on it once per event.
        db.rollback()
        return _dropped(batch, [(event, error) for event in batch])
    except Exception as error:  # noqa: BLE001 - a refusal: find the event(s) at fault
        db.rollback()
        if len(batch) == 1:
            return _dropped(batch, [(batch[0], error)])
    refused: list[tuple[Event, BaseException]] = []
    for n, event in enumerate(batch):
        try:
            _write_one(db, event, now)
            db.commit()
        except (OperationalError, InterfaceError) as error:
            db.rollback()  # gone meanwhile: the rest would wait on it in turn
            refused.extend((rest, error) for rest in batch[n:])
            break
        except Exception as error:  # noqa: BLE001 - the event is dropped, counted
            db.rollback()
            refused.append((event, error))
    return _dropped(batch, refused) if refused else 0


def _dropped(batch: list[Event], refused: list[tuple[Event, BaseException]]) -> int:
    """Count and log the events not stored: types and error classes only.

    The error's own text is left out: it carries the SQL parameters, which
    are what visitors typed.
    """
    total = metrics.increment(DROPPED, len(refused))
    kinds = sorted(
        {f"{type(event).__name__}: {type(error).__name__}" for event, error in refused}
    )
    log.warning(
        "could not store %d of %d analytics event(s) (%s); "
        "%d dropped since this process started",
        len(refused),
        len(batch),
        ", ".join(kinds),
        total,
    )
    return len(refused)


class Recorder:
    """The app's event queue and the background thread that writes it."""

    def __init__(self, app: Flask) -> None:
        self._app = weakref.ref(app)
        self._queue: queue.Queue[Event] = queue.Queue(QUEUE_SIZE)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._hurry = threading.Event()  # set by flush(): write without waiting

    def record(self, event: Event) -> None:
        """Queue ``event``; when the queue is full, write it right away."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._store([event])
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="jawab-events", daemon=True
                )
                self._thread.start()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait (at most ``timeout`` s) until every queued event is written."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._hurry.set()  # again each time: the writer clears it
                self._queue.all_tasks_done.wait(min(left, 0.05))
        return True

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            self._hurry.wait(GATHER_SECONDS)
            self._hurry.clear()
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._store(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _store(self, batch: list[Event]) -> None:
        from kb.storage.db import standalone_session

        app = self._app()
        if app is None:
            return
        try:
            with app.app_context(), standalone_session() as db:
                write(db, batch)
        except Exception as error:  # noqa: BLE001 - a lost event must never break a page
            _dropped(batch, [(event, error) for event in batch])


_RECORDERS: weakref.WeakSet[Recorder] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    # A clean shutdown writes what was acknowledged; a stuck database must not
    # keep a worker from exiting, so the wait is bounded.
    for recorder in list(_RECORDERS):
        if not recorder.flush(timeout=10.0):
            log.warning("events still queued at exit were not written")


def init_app(app: Flask) -> None:
    """Give the app its event recorder."""
    recorder = Recorder(app)
    _RECORDERS.add(recorder)
    app.extensions["jawab.events"] = recorder


def recorder(app: Any = None) -> Recorder:
    """The recorder of ``app`` (default: the current app)."""
    return (app or current_app).extensions["jawab.events"]


def record(event: Event) -> None:
    """Record one event (queued; written in the background)."""
    if current_app.config["EVENTS_ENABLED"]:
        recorder().record(event)


def flush() -> None:
    """Write what this process has queued (reports read after it)."""
    recorder().flush()
