"""Views of the reports and of an agent's public replies."""

from __future__ import annotations

import csv
import hashlib
import io
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
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from kb.security import safe_next
from kb.services import events, public_replies, recognition, reports
from kb.storage import db
from kb.views.access import role_required
from kb.views.context import library
from kb.views.reports import bp, charts, replies_bp
from kb.views.reports.forms import HandledForm, OutcomeForm
from kb.views.reports.shared import (
    ReportQuery,
    build,
    cached,
    current_query,
    forget_cached,
)


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
    query, period = current_query()
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


@bp.get("/tickets")
@role_required("editor")
def tickets() -> Response | str:
    """Tickets: new, solved, backlog, response and resolution times, ratings."""
    return _page("tickets", "reports/tickets.html")


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
