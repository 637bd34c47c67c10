"""Views of the admin pages: reply templates and canned responses."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.services import composer, health
from kb.storage import db
from kb.views.access import role_required
from kb.views.admin import bp
from kb.views.admin.forms import CannedForm, ReplyTemplateForm
from kb.views.forms import ActionForm


@bp.get("/health")
@role_required("admin")
def health_page() -> str:
    """This worker's dependencies, checked now, and its counters since it started."""
    from kb.extensions import limiter

    enabled = current_app.config["RATELIMIT_ENABLED"]
    found = health.report(
        db.session(), limiter.storage if enabled else None, current_app.config
    )
    return render_template("admin/health.html", report=found, noindex=True)


@bp.get("/reply-templates")
@role_required("admin")
def reply_templates() -> str:
    """Every reply template (language × tone × kind) with its current wording."""
    database = db.session()
    rows = [
        (
            lang,
            tone,
            kind,
            composer.template_body(database, lang, tone, kind),
            composer.is_customized(database, lang, tone, kind),
        )
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
    "<any(answer, handoff, welcome):kind>",
    methods=["GET", "POST"],
)
@role_required("admin")
def edit_reply_template(
    reply_lang: str, tone: str, kind: str
) -> Response | str | tuple[str, int]:
    """Change the wording of one reply template."""
    database = db.session()
    form = ReplyTemplateForm()
    form.kind = kind
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
        required=composer.REQUIRED_PLACEHOLDERS[kind],
        builtin=composer.DEFAULTS[(reply_lang, tone, kind)],
        customized=composer.is_customized(database, reply_lang, tone, kind),
        restore_form=ActionForm(),
        noindex=True,
    ), status


@bp.post(
    "/reply-templates/<any(id, en):reply_lang>/<any(formal, casual):tone>/"
    "<any(answer, handoff, welcome):kind>/restore"
)
@role_required("admin")
def restore_reply_template(reply_lang: str, tone: str, kind: str) -> Response:
    """Go back to the built-in wording of one reply template."""
    if not ActionForm().validate_on_submit():
        abort(400)
    composer.restore_template(db.session(), reply_lang, tone, kind)
    flash(_("The built-in text is used again."))
    return redirect(url_for("admin.reply_templates"))


@bp.get("/canned-responses")
@role_required("admin")
def canned_responses() -> str:
    """Every canned response, with a form for a new one."""
    return render_template(
        "admin/canned_list.html",
        items=composer.canned_responses(db.session()),
        undo=None,
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


@bp.route("/canned-responses/<int:canned_id>/delete", methods=["GET", "POST"])
@role_required("admin")
def delete_canned(canned_id: int) -> Response | str:
    """Ask first (GET), then remove a canned response, offering an undo."""
    database = db.session()
    found = composer.canned(database, canned_id)
    if found is None:
        abort(404)
    if request.method == "GET":
        return render_template(
            "admin/canned_delete.html", item=found, form=ActionForm(), noindex=True
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    # The undo form on the answer carries the text back (nothing is kept on
    # the server, and a cookie could not hold 5,000 characters).
    undo = CannedForm(
        formdata=None,
        data={"title": found.title, "lang": found.lang, "body": found.body},
    )
    composer.delete_canned(database, found)
    return render_template(
        "admin/canned_list.html",
        items=composer.canned_responses(database),
        undo=undo,
        noindex=True,
    )


@bp.post("/canned-responses/undo")
@role_required("admin")
def undo_delete_canned() -> Response:
    """Bring back a deleted canned response from the text its undo form carries."""
    form = CannedForm()
    if not form.validate_on_submit():
        abort(400)
    composer.save_canned(
        db.session(), None, form.title.data.strip(), form.lang.data, form.body.data
    )
    flash(_("Canned response restored."))
    return redirect(url_for("admin.canned_responses"))
