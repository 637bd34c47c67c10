"""What the editor's pages share: where articles are published, and the failures."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kb.services import agent_tickets
from kb.services.articles import Library
from kb.services.editing import publishing, review
from kb.storage import db
from kb.storage.models import Draft, Ticket
from kb.views.context import content, search_service
from kb.views.urls import absolute_url


def articles_root() -> Path:
    """The articles folder."""
    return Path(current_app.config["ARTICLES_DIR"])


def editor_site() -> publishing.Site:
    """Where this app publishes, and what it tells after a publish."""

    def after(fresh: Library) -> None:
        # The index picks the change up now, incrementally (one article).
        search_service().ensure_current(fresh)

    return publishing.Site(
        root=articles_root(),
        content=content(),
        lock_file=Path(current_app.config["CACHE_DIR"]) / "publish.lock",
        writer=current_app.config["EDITOR_WRITER"],
        push=current_app.config["GIT_PUSH"],
        after_publish=after,
        git_timeout=current_app.config["GIT_TIMEOUT"],
        draft_link=draft_link,
    )


def draft_link(draft_id: int) -> str:
    """A draft's editor page as an absolute URL (on ``KB_BASE_URL`` when set)."""
    return absolute_url("editor.edit", draft_id=draft_id)


def publish_error(error: str, detail: str) -> tuple[str, int]:
    """What the editor reads when publishing (or saving a file) failed, and the status.

    Refusals are 403; someone else's work in the way is 409; a server that
    cannot publish now (a damaged repository, a full disk) is 503.
    """
    refusals = {
        "Only editors and admins publish.": _("Only editors and admins publish."),
        "This draft is no longer open.": _("This draft is no longer open."),
        review.SECOND_PERSON: _(
            "A second person must approve this draft: ask another editor."
        ),
        publishing.NOT_WRITER: _(
            "This server does not publish articles; publish on the writer node."
        ),
    }
    if error in refusals:
        return refusals[error], 403
    if error == publishing.BUSY:
        return _("Another article is being published; try again in a moment."), 409
    if error == publishing.GIT_BUSY:
        return _(
            "Another git command is using the articles repository; nothing was "
            "changed. Try again in a moment. (%(detail)s)",
            detail=detail,
        ), 409
    if error == publishing.DAMAGED:
        return _(
            "The articles repository is damaged, so nothing can be published until "
            "an administrator repairs it; nothing was changed. (%(detail)s)",
            detail=detail,
        ), 503
    if error == publishing.DISK:
        return _(
            "The server could not write the file (is its disk full?); nothing was "
            "changed. (%(detail)s)",
            detail=detail,
        ), 503
    return _("Publishing failed; nothing was changed. (%(error)s)", error=error), 409


def note_on_ticket(ticket: Ticket, draft: Draft) -> None:
    """Say on the ticket that an article draft was started from it."""
    link = url_for("editor.edit", draft_id=draft.id, _external=False)
    agent_tickets.add_message(
        db.session(),
        ticket,
        current_user.id,
        _("An article draft was started from this ticket: %(link)s", link=link),
        internal=True,
        status=None,
        site_root=request.host_url,
        new_link_url="",
    )
