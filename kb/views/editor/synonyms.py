"""Editor pages of the synonyms file beside the articles: edit it, add one entry."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.security import body_limit, safe_next
from kb.services import events
from kb.services.editing import synonyms as synonym_file
from kb.views import params
from kb.views.access import role_required
from kb.views.editor import bp
from kb.views.editor.forms import (
    SYNONYMS_BODY_LIMIT,
    AddSynonymForm,
    SynonymsForm,
)
from kb.views.editor.site import articles_root, editor_site, publish_error


@bp.route("/synonyms", methods=["GET", "POST"])
@body_limit(SYNONYMS_BODY_LIMIT)
@role_required("editor")
def synonyms() -> Response | tuple[str, int]:
    """Edit the synonyms file, checked and committed like an article."""
    form = SynonymsForm()
    problems: tuple = ()
    status = 400 if request.method == "POST" else 200
    if request.method == "GET":
        form.text.data = synonym_file.synonyms_text(articles_root())
    elif form.validate_on_submit():
        result = synonym_file.save_synonyms(
            form.text.data or "", current_user, editor_site()
        )
        if result.ok:
            flash(_("Synonyms saved."))
            return redirect(url_for("editor.synonyms"))
        problems = result.problems
        if result.error:
            message, status = publish_error(result.error, result.detail)
            flash(message)
    return render_template(
        "editor/synonyms.html", form=form, problems=problems, noindex=True
    ), status


@dataclass(frozen=True)
class AddSynonymArgs:
    """What the search gap report's "Add a synonym" link prefills."""

    term: str = params.arg(params.text(100))
    lang: str = params.arg(params.choice(("id", "en"), "id"))
    next: str = params.arg(params.text(500, squeeze=False))


def _synonym_error(code: str) -> tuple[str, str]:
    """The field at fault and its message, for an entry that cannot be made."""
    messages = {
        "term": ("term", _("The search has no words to match.")),
        "phrase": ("phrase", _("Write a word or phrase with letters or digits.")),
        "same": ("phrase", _("A word cannot be a synonym of itself.")),
        "known": ("phrase", _("This synonym is already in the file.")),
        "lang": ("lang", _("Choose Bahasa Indonesia or English.")),
        "broken": (
            "",
            _("The synonyms file has problems; fix them on the synonyms page first."),
        ),
        "busy": ("", _("Someone else is publishing right now. Try again.")),
        "not_writer": ("", _("This server does not publish; use the main one.")),
    }
    return messages.get(code, ("", ""))


@bp.route("/synonyms/add", methods=["GET", "POST"])
@role_required("editor")
def add_synonym() -> Response | tuple[str, int]:
    """Add one synonym (from a search gap): checked and committed like any edit."""
    form = AddSynonymForm()
    problems: tuple = ()
    status = 400 if request.method == "POST" else 200
    if request.method == "GET":
        args = params.parse(AddSynonymArgs, request.args)
        form.term.data = args.term
        form.gap.data = args.term
        form.lang.data = args.lang
        form.next.data = args.next
    elif form.validate_on_submit():
        lang = form.lang.data or "id"
        result = synonym_file.add_synonym(
            form.term.data or "",
            lang,
            form.phrase.data or "",
            current_user,
            editor_site(),
        )
        if result.ok:
            gap = (form.gap.data or "").strip()
            if gap:
                # The gap is dealt with; it comes back if it fails again.
                events.record(events.GapHandled(current_user.id, lang, gap))
                events.flush()
                from kb.views.reports.shared import forget_cached

                forget_cached()
            flash(
                _(
                    "Saved and published: searches for “%(term)s” now also find "
                    "“%(phrase)s”.",
                    term=form.term.data,
                    phrase=form.phrase.data,
                )
                + (" " + _("The gap is marked handled.") if gap else "")
            )
            target = safe_next(form.next.data, url_for("editor.synonyms"))
            return redirect(target)
        problems = result.problems
        field, message = _synonym_error(result.error)
        if not message and result.error:
            message, status = publish_error(result.error, result.detail)
        if field:
            getattr(form, field).errors = [message]
        elif not problems:
            flash(message)
    lang = form.lang.data if form.lang.data in ("id", "en") else "id"
    return render_template(
        "editor/add_synonym.html",
        form=form,
        problems=problems,
        suggestions=synonym_file.phrases(articles_root(), lang),
        back=safe_next(form.next.data, url_for("reports.search")),
        noindex=True,
    ), status
