"""Views of the admin pages: reply templates and canned responses."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.security import role_required
from kb.services import composer
from kb.storage import db
from kb.views.admin import bp
from kb.views.admin.forms import CannedForm, ReplyTemplateForm
from kb.views.forms import ActionForm


@bp.get("/reply-templates")
@role_required("admin")
def reply_templates() -> str:
    """Every reply template (language × tone × kind) with its current wording."""
    database = db.session()
    rows = [
        (lang, tone, kind, composer.template_body(database, lang, tone, kind))
        for lang in composer.LANGS
        for tone in composer.TONES
        for kind in composer.KINDS
    ]
    return render_template(
        "admin/reply_templates.html",
        rows=rows,
        noindex=True,
    )


@bp.route(
    "/reply-templates/<any(id, en):reply_lang>/<any(formal, casual):tone>/"
    "<any(answer, handoff):kind>",
    methods=["GET", "POST"],
)
@role_required("admin")
def edit_reply_template(
    reply_lang: str, tone: str, kind: str
) -> Response | str | tuple[str, int]:
    """Change the wording of one reply template."""
    database = db.session()
    form = ReplyTemplateForm()
    if request.method == "GET":
        form.body.data = composer.template_body(database, reply_lang, tone, kind)
    if form.validate_on_submit():
        composer.save_template(database, reply_lang, tone, kind, form.body.data.strip())
        flash(_("Reply template saved."))
        return redirect(url_for("admin.reply_templates"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/reply_template_edit.html",
        form=form,
        reply_lang=reply_lang,
        tone=tone,
        kind=kind,
        placeholders=composer.PLACEHOLDERS,
        noindex=True,
    ), status


@bp.get("/canned-responses")
@role_required("admin")
def canned_responses() -> str:
    """Every canned response, with a form for a new one."""
    return render_template(
        "admin/canned_list.html",
        items=composer.canned_responses(db.session()),
        noindex=True,
    )


@bp.route("/canned-responses/new", methods=["GET", "POST"])
@bp.route("/canned-responses/<int:canned_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_canned(canned_id: int | None = None) -> Response | str | tuple[str, int]:
    """Create or change a canned response."""
    database = db.session()
    found = composer.canned(database, canned_id) if canned_id else None
    if canned_id and found is None:
        abort(404)
    form = CannedForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        composer.save_canned(
            database,
            found,
            form.title.data.strip(),
            form.lang.data,
            form.body.data.strip(),
        )
        flash(_("Canned response saved."))
        return redirect(url_for("admin.canned_responses"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/canned_edit.html",
        form=form,
        found=found,
        placeholders=composer.CANNED_PLACEHOLDERS,
        noindex=True,
    ), status


@bp.post("/canned-responses/<int:canned_id>/delete")
@role_required("admin")
def delete_canned(canned_id: int) -> Response:
    """Remove a canned response."""
    database = db.session()
    found = composer.canned(database, canned_id)
    if found is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    composer.delete_canned(database, found)
    flash(_("Canned response deleted."))
    return redirect(url_for("admin.canned_responses"))
