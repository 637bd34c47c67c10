"""Views of recognition on the team report: the leaderboard and its settings.

Kept apart from the report views: they read the team report as it is and add
badges and standings from kb.services.recognition.
"""

from __future__ import annotations

import csv
import io

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import events, recognition, reports
from kb.storage import db
from kb.views.access import role_required
from kb.views.reports import bp, charts
from kb.views.reports.forms import RecognitionForm
from kb.views.reports.shared import cached, current_query, targets


@bp.get("/leaderboard")
@role_required("agent")
def leaderboard() -> Response | str:
    """Settled answers and knowledge work, ranked: staff only, when turned on."""
    query, period = current_query()
    database = db.session()
    settings = recognition.load(database)
    standings: tuple[recognition.Standing, ...] = ()
    if settings.leaderboard:
        events.flush()
        lang = query.language
        team = cached(
            ("team", period, lang),
            lambda: reports.team(database, period, lang, targets()),
        )
        standings = recognition.leaderboard(database, team, settings)
    if query.format == "csv" and settings.leaderboard:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["rank", "person", "settled", "articles", "gaps_closed", "score"]
        )
        for s in standings:
            writer.writerow(
                [s.rank, s.name, s.settled, s.articles, s.gaps_closed, s.score]
            )
        filename = f"jawab-leaderboard-{period.start}-{period.end}.csv"
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return render_template(
        "reports/leaderboard.html",
        standings=standings,
        settings=settings,
        hidden=recognition.is_hidden(database, current_user.id),
        query=query,
        period=period,
        name="leaderboard",
        charts=charts,
        periods=reports.PERIODS,
        restricted=not current_user.has_role("editor"),
        leaderboard_on=settings.leaderboard,
        noindex=True,
    )


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings() -> Response | tuple[str, int]:
    """Badge thresholds and the leaderboard, chosen by admins."""
    database = db.session()
    form = RecognitionForm()
    if request.method == "GET":
        current = recognition.load(database)
        for name in ("settled", "articles", "gaps", "on_time"):
            getattr(form, name).data = current.threshold(name)
        form.leaderboard.data = current.leaderboard
        form.exclude_admins.data = current.exclude_admins
    elif form.validate_on_submit():
        recognition.save(
            database,
            recognition.Settings(
                settled=form.settled.data or 0,
                articles=form.articles.data or 0,
                gaps=form.gaps.data or 0,
                on_time=form.on_time.data or 0,
                leaderboard=bool(form.leaderboard.data),
                exclude_admins=bool(form.exclude_admins.data),
            ),
        )
        flash(_("Settings saved."))
        return redirect(url_for("reports.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("reports/settings.html", form=form, noindex=True), status
