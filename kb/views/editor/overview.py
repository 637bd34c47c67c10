"""The editor's front page: drafts to write and review, and the articles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_login import current_user

from kb.services import update_requests
from kb.services.editing import drafts, publishing, schedules
from kb.storage import db
from kb.storage.articles import ArticleFile
from kb.views import params
from kb.views.access import role_required
from kb.views.context import library
from kb.views.editor import bp
from kb.views.editor.site import editor_site
from kb.views.forms import ActionForm


@dataclass(frozen=True)
class ListArgs:
    """The article list's filter."""

    q: str = params.arg(lambda raw: params.text(100)(raw).lower())


@bp.get("/")
@role_required("agent")
def index() -> str:
    """Open drafts, drafts waiting for review, and the published articles."""
    database = db.session()
    if current_app.config["EDITOR_WRITER"]:
        # Schedules also run from `kb editor publish-due` (cron); looking here
        # too means a site without cron still publishes on time-ish.
        schedules.publish_due(database, editor_site())
    lib = library()
    q = params.parse(ListArgs, request.args).q
    articles = sorted(lib.all.values(), key=lambda a: (a.lang, a.title.lower()))
    if q:
        articles = [a for a in articles if q in a.title.lower() or q in a.slug]
    days = current_app.config["REVIEW_AFTER_DAYS"]
    today = dt.datetime.now(dt.UTC).date()
    stale = [a for a in lib.published.values() if (today - _reviewed_on(a)).days > days]
    stale.sort(key=_reviewed_on)
    open_drafts = drafts.open_drafts(database)
    return render_template(
        "editor/index.html",
        repo_problem=publishing.repository_problem(editor_site()),
        mine=[d for d in open_drafts if d.author_id == current_user.id],
        proposed=[
            d
            for d in open_drafts
            if d.state == "proposed"
            and (current_user.has_role("editor") or d.author_id == current_user.id)
        ],
        others=[
            d
            for d in open_drafts
            if d.author_id != current_user.id
            and d.state != "proposed"
            and current_user.has_role("editor")  # agents open only their own
        ],
        articles=articles[:200],
        total=len(articles),
        stale=stale[:50],
        scheduled=sorted(lib.scheduled.values(), key=lambda a: a.publish_at),
        needs_update=[
            (lib.all[f.slug], f)
            for f in update_requests.flagged(database)
            if f.slug in lib.all
        ],
        review_days=days,
        q=q,
        action=ActionForm(formdata=None),
        noindex=True,
    )


def _reviewed_on(article: ArticleFile) -> dt.date:
    if article.reviewed:
        return max(dt.date.fromisoformat(article.reviewed), article.updated)
    return article.updated
