"""The admin's settings of the editor area."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.services.editing import settings as editor_settings
from kb.storage import db
from kb.views.access import role_required
from kb.views.editor import bp
from kb.views.editor.forms import SettingsForm


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings() -> Response | str:
    """Admin settings of the editor area."""
    database = db.session()
    form = SettingsForm()
    if request.method == "GET":
        form.require_second_person.data = editor_settings.requires_second_person(
            database
        )
    if form.validate_on_submit():
        editor_settings.set_setting(
            database,
            editor_settings.REQUIRE_SECOND_PERSON,
            "1" if form.require_second_person.data else "0",
        )
        flash(_("Settings saved."))
        return redirect(url_for("editor.settings"))
    return render_template("editor/settings.html", form=form, noindex=True)
