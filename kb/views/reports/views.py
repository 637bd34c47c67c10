"""Views of the reports and of an agent's public replies."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from kb.security import role_required, safe_next
from kb.services import events, public_replies, recognition, reports
from kb.services.search import SearchRequest
from kb.storage import db
from kb.views import params
from kb.views.api.errors import invalid
from kb.views.context import library, search_service
from kb.views.reports import bp, charts, replies_bp
from kb.views.reports.forms import HandledForm, OutcomeForm

MAX_DAYS = 731
NAMES = ("overview", "search", "articles", "public", "team")


# Report dates: any day Jawab can have data for, with room either side. Python's
# dates end at years 1 and 9999, and a period's bounds and the period before it
# reach a day beyond its own: year 1 or 9999 was a 500.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def _date(name: str) -> params.Parser:
    def read(raw: str | None) -> dt.date | None:
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise params.ParamError(
                name, _l("%(field)s must be a date like 2026-01-31.", field=name)
            ) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise params.ParamError(
                name,
                _l(
                    "%(field)s must be a date from %(first)s to %(last)s.",
                    field=name,
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                ),
            )
        return day

    return read


@dataclass(frozen=True)
class ReportQuery:
    """The filters every report takes: language, period, tab, format."""

    lang: str = params.arg(params.choice(("all", "id", "en"), "all"))
    days: str = params.arg(params.choice(tuple(map(str, reports.PERIODS)), "30"))
    start: dt.date | None = params.arg(_date("start"))
    end: dt.date | None = params.arg(_date("end"))
    tab: str = params.arg(params.choice(reports.TABS, "zero"))
    format: str = params.arg(params.choice(("html", "csv"), "html"))

    @property
    def language(self) -> str | None:
        """The language filter, or None for all languages."""
        return None if self.lang == "all" else self.lang


def parse_query(args: Any) -> tuple[ReportQuery, reports.Period]:
    """The filters and the period they name (ParamError for bad dates)."""
    query = params.parse(ReportQuery, args)
    tz = current_app.config["REPORT_TZ"]
    if query.start or query.end:
        if not (query.start and query.end):
            missing = "end" if query.start else "start"
            raise params.ParamError(
                missing, _l("Give both a start and an end date, or neither.")
            )
        if query.end < query.start:
            raise params.ParamError("end", _l("The end date is before the start date."))
        if (query.end - query.start).days + 1 > MAX_DAYS:
            raise params.ParamError(
                "end", _l("A period is at most %(days)s days.", days=MAX_DAYS)
            )
        return query, reports.Period(query.start, query.end, tz)
    return query, reports.last_days(int(query.days), tz)


def _query() -> tuple[ReportQuery, reports.Period]:
    try:
        return parse_query(request.args)
    except params.ParamError as exc:
        invalid(exc.field, exc.message)


# A short in-process cache: a report over a year is read many times a minute at
# most, and new events may take that long to show.
_CACHE: dict[tuple, tuple[float, Any]] = {}
_CACHE_LOCK = threading.Lock()
KEPT_MAX = 256  # reports and pages kept per worker
# Rendered pages kept, all together (characters): the articles report alone is
# ~135 KB with a few hundred sections; this bounds a worker to a few MB.
KEPT_PAGE_CHARS = 4_000_000


def _chars(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def cached(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()``, or its result from the last ``KB_REPORT_CACHE_SECONDS``."""
    ttl = current_app.config["REPORT_CACHE_SECONDS"]
    key = (id(current_app._get_current_object()), *key)  # type: ignore[attr-defined]
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    value = build()
    if ttl <= 0:
        return value
    with _CACHE_LOCK:
        chars = sum(_chars(v) for _at, v in _CACHE.values()) + _chars(value)
        if len(_CACHE) >= KEPT_MAX or chars > KEPT_PAGE_CHARS:
            for old in [k for k, (at, _v) in _CACHE.items() if now - at >= ttl]:
                del _CACHE[old]
            chars = sum(_chars(v) for _at, v in _CACHE.values()) + _chars(value)
            if len(_CACHE) >= KEPT_MAX or chars > KEPT_PAGE_CHARS:
                _CACHE.clear()
        _CACHE[key] = (now, value)
    return value


def forget_cached() -> None:
    """Drop cached reports (after a change made from a report)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _targets() -> dict[str, int]:
    return current_app.config["FIRST_RESPONSE_TARGETS"]


def _csv_cell(value: Any) -> Any:
    # A cell starting with = + - @ runs as a formula in spreadsheets: customers
    # typed these queries, so such cells are quoted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list):  # the team report's badges: keys, space-separated
        return " ".join(value)
    return "" if value is None else value


def csv_response(name: str, report: Any) -> Response:
    """The report as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out)
    badges_of = recognition.badge_keys(recognition.load(db.session()))
    for row in reports.csv_rows(report, badges_of):
        writer.writerow([_csv_cell(v) for v in row])
    period = report.period
    filename = f"jawab-{name}-{period.start}-{period.end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _best_hit(term: str, lang: str | None) -> str | None:
    # A search per row: kept per content version, as the results pages are.
    lib = library()

    def search() -> tuple[str | None]:
        hits = search_service().search(SearchRequest(q=term, lang=lang, limit=1), lib)
        return (hits.hits[0].title if hits.hits else None,)

    best = current_app.extensions["jawab.best_hits"]
    return best.get_or_render(lib, (term, lang), search)[0]


def build(name: str, query: ReportQuery, period: reports.Period) -> Any:
    """The report ``name`` for the signed-in person (an agent: their own part)."""
    database = db.session()
    lang = query.language
    restricted = not current_user.has_role("editor")
    if name in ("overview", "team") and restricted:
        key: tuple = ("team", period, lang, current_user.id)
        return cached(
            key,
            lambda: reports.team(
                database, period, lang, _targets(), only_user=current_user.id
            ),
        )
    if restricted:
        abort(403)
    if name == "overview":
        return cached(
            (name, period, lang),
            lambda: reports.overview(database, period, lang, _targets()),
        )
    if name == "search":
        return cached(
            (name, period, lang, query.tab),
            lambda: reports.search_gaps(database, period, lang, query.tab, _best_hit),
        )
    if name == "articles":
        return cached(
            (name, period, lang),
            lambda: reports.articles(database, period, lang, library()),
        )
    if name == "public":
        return cached(
            (name, period, lang), lambda: reports.public(database, period, lang)
        )
    return cached(
        (name, period, lang), lambda: reports.team(database, period, lang, _targets())
    )


def _page_key(period: reports.Period) -> tuple | None:
    """What a rendered report page depends on, or None when it must be rendered.

    The page carries the person's name, role and CSRF token (bound to their
    session) and the header's queue counts: it is kept per sign-in and
    session, never shared. A page with a message to flash is rendered afresh.
    The sign-in check runs before this (``role_required``), so an ended
    session never reaches a kept page.
    """
    signed_in = getattr(current_user, "sign_in_token", None)
    if not signed_in or "_flashes" in session:
        return None
    generate_csrf()  # the page's forms need the session's token: make it now
    token = session.get("csrf_token")
    if not token:
        return None
    secret = hashlib.sha256(f"{signed_in}\0{token}".encode()).hexdigest()
    # The role too: a page kept for an editor is not for them once demoted.
    role = current_user.role
    return ("page", request.full_path, period, str(get_locale()), role, secret)


def _page(name: str, template: str, **extra: Any) -> Response | str:
    query, period = _query()
    events.flush()  # what this worker acknowledged is on the report
    key = _page_key(period) if query.format == "html" else None
    if key is None:
        return _render(name, template, query, period, extra)
    return cached(key, lambda: _render(name, template, query, period, extra))


def _render(
    name: str,
    template: str,
    query: ReportQuery,
    period: reports.Period,
    extra: dict[str, Any],
) -> Response | str:
    report = build(name, query, period)
    if query.format == "csv":
        return csv_response(name, report)
    if isinstance(report, reports.TeamReport) and name == "overview":
        template = "reports/team.html"
    settings = recognition.load(db.session())  # badges and the leaderboard tab
    return render_template(
        template,
        report=report,
        query=query,
        period=period,
        name=name,
        charts=charts,
        periods=reports.PERIODS,
        tabs=reports.TABS,
        colour_min=reports.COLOUR_MIN_VOTES,
        gap_min=reports.GAP_MIN_VISITS,
        can_draft="editor.new" in current_app.view_functions,
        can_synonym="editor.add_synonym" in current_app.view_functions,
        restricted=not current_user.has_role("editor"),
        leaderboard_on=settings.leaderboard,
        badges_of=lambda row: recognition.badges(row, settings),
        noindex=True,
        **extra,
    )


@bp.get("/")
@role_required("agent")
def overview() -> Response | str:
    """Searches, zero results, click-through, self-service, first response."""
    return _page("overview", "reports/overview.html")


@bp.get("/search")
@role_required("editor")
def search() -> Response | str:
    """The content-gap queue: what customers search for and do not find."""
    return _page("search", "reports/search.html", handled_form=HandledForm())


@bp.post("/search/handled")
@role_required("editor")
def mark_handled() -> Response:
    """Take a query off the queue until it fails again."""
    form = HandledForm()
    if not form.validate_on_submit():
        abort(400)
    events.record(
        events.GapHandled(current_user.id, form.lang.data, form.query.data.strip())
    )
    events.flush()
    forget_cached()
    flash(_("Marked as handled. It comes back if it fails again."))
    return redirect(safe_next(form.next.data, url_for("reports.search")))


@bp.get("/articles")
@role_required("editor")
def articles() -> Response | str:
    """Per article and section: views by source, helpfulness, replies, tickets."""
    return _page("articles", "reports/articles.html")


@bp.get("/public")
@role_required("editor")
def public() -> Response | str:
    """Per platform: public replies, link views, outcomes, handoffs."""
    return _page("public", "reports/public.html")


@bp.get("/team")
@role_required("agent")
def team() -> Response | str:
    """The participation count (an agent sees their own row)."""
    return _page("team", "reports/team.html")


# -- my public replies -------------------------------------------------------------


@replies_bp.get("/")
@role_required("agent")
def mine() -> str:
    """The agent's public replies: link views and a one-click outcome."""
    database = db.session()
    events.flush()
    rows = public_replies.for_user(database, current_user.id)
    lib = library()
    return render_template(
        "reports/replies.html",
        rows=rows,
        titles={r.reply.slug: (lib.get(r.reply.slug) or None) for r in rows},
        form=OutcomeForm(),
        noindex=True,
    )


@replies_bp.post("/<code>/outcome")
@role_required("agent")
def set_outcome(code: str) -> Response:
    """Settled, moved to private, needs follow-up: the agent says."""
    form = OutcomeForm()
    database = db.session()
    reply = public_replies.find(database, code)
    if reply is None or reply.user_id != current_user.id:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    public_replies.set_outcome(database, reply, form.outcome.data)
    forget_cached()
    flash(_("Outcome saved."))
    return redirect(url_for("replies.mine"))
