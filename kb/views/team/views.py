"""Views of the staff pages: the list, inviting, one person's page, the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb.services import audit, staff_admin, users
from kb.storage import db
from kb.storage.models import User
from kb.views import params
from kb.views.access import role_required
from kb.views.api.errors import invalid
from kb.views.forms import ActionForm
from kb.views.team import bp
from kb.views.team.forms import ROLE_LABELS, InviteForm, RoleForm
from kb.views.urls import account_link

# Actions that take something away: asked first on their own page.
CONFIRMED = ("disable", "end-sessions")


def _lifetimes() -> staff_admin.Lifetimes:
    return staff_admin.Lifetimes.from_config(current_app.config)


def _list_page(form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "team/staff.html",
        people=staff_admin.listing(db.session()),
        form=form or InviteForm(formdata=None),
        role_labels=ROLE_LABELS,
        noindex=True,
    ), status


@bp.get("/")
@role_required("admin")
def staff() -> tuple[str, int]:
    """Everyone with a staff account, and a form to invite someone."""
    return _list_page()


@bp.post("/invite")
@role_required("admin")
def invite() -> Response | tuple[str, int]:
    """Add an account and mail its one-time link to choose a password."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    address = form.email.data or ""
    try:
        staff_admin.invite(
            db.session(),
            current_user,
            address,
            form.role.data,
            form.name.data or "",
            account_link,
            _lifetimes(),
        )
    except users.AlreadyExists:
        form.email.errors = [_("%(email)s already has an account.", email=address)]
        return _list_page(form, 400)
    except users.BadEmail:
        form.email.errors = [_("Enter a valid email address, like name@example.com.")]
        return _list_page(form, 400)
    flash(
        _(
            "Invitation sent to %(email)s. The link works once, for %(hours)s hours.",
            email=address,
            hours=current_app.config["INVITE_HOURS"],
        )
    )
    return redirect(url_for("team.staff"))


def _person_or_404(user_id: int) -> User:
    found = staff_admin.person(db.session(), user_id)
    if found is None:
        abort(404)
    return found


def _person_page(
    person: User,
    form: RoleForm | None = None,
    status: int = 200,
    refused: str | None = None,
) -> tuple[str, int]:
    if form is None:
        form = RoleForm(formdata=None)
        form.role.data = person.role
    return render_template(
        "team/person.html",
        person=staff_admin.row(person),
        form=form,
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
        is_me=person.id == current_user.id,
        refused=refused,
        noindex=True,
    ), status


@bp.get("/<int:user_id>")
@role_required("admin")
def person(user_id: int) -> tuple[str, int]:
    """One person: their role, status and what an admin can do about them."""
    return _person_page(_person_or_404(user_id))


@bp.post("/<int:user_id>/role")
@role_required("admin")
def change_role(user_id: int) -> Response | tuple[str, int]:
    """Give one person another role (never the last admin's away)."""
    found = _person_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _person_page(found, form, 400)
    try:
        changed = staff_admin.change_role(
            db.session(), current_user, found, form.role.data
        )
    except staff_admin.LastAdmin:
        form.role.errors = [
            _(
                "%(email)s is the last admin who can sign in: make someone else "
                "admin first.",
                email=found.email,
            )
        ]
        return _person_page(found, form, 400)
    if changed:
        flash(
            _(
                "%(email)s is now %(role)s.",
                email=found.email,
                role=ROLE_LABELS[found.role],
            )
        )
    return redirect(url_for("team.person", user_id=found.id))


def _refused(found: User, message: str) -> tuple[str, int]:
    return _person_page(found, status=400, refused=message)


@bp.route(
    "/<int:user_id>/<any(disable, 'end-sessions'):action>", methods=["GET", "POST"]
)
@role_required("admin")
def confirm(user_id: int, action: str) -> Response | tuple[str, int]:
    """Ask first (GET), then disable someone or end all their sign-ins (POST)."""
    found = _person_or_404(user_id)
    if request.method == "GET":
        return render_template(
            "team/confirm.html",
            person=staff_admin.row(found),
            action=action,
            form=ActionForm(),
            is_me=found.id == current_user.id,
            noindex=True,
        ), 200
    if not ActionForm().validate_on_submit():
        abort(400)
    database = db.session()
    if action == "end-sessions":
        ended = staff_admin.end_sessions(database, current_user, found)
        if found.id == current_user.id:
            return redirect(url_for("auth.login"))
        flash(_("%(num)s sign-in(s) of %(email)s ended.", num=ended, email=found.email))
        return redirect(url_for("team.person", user_id=found.id))
    try:
        revoked = staff_admin.disable(database, current_user, found)
    except staff_admin.OwnAccount:
        return _refused(found, _("You cannot disable your own account."))
    except staff_admin.LastAdmin:
        return _refused(
            found,
            _(
                "%(email)s is the last admin who can sign in and cannot be "
                "disabled: make someone else admin first.",
                email=found.email,
            ),
        )
    flash(
        _(
            "%(email)s is disabled: every sign-in ended and %(num)s API token(s) "
            "were revoked.",
            email=found.email,
            num=revoked,
        )
    )
    return redirect(url_for("team.person", user_id=found.id))


@bp.post("/<int:user_id>/enable")
@role_required("admin")
def enable(user_id: int) -> Response:
    """Let a disabled person sign in again."""
    found = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    staff_admin.enable(db.session(), current_user, found)
    flash(_("%(email)s can sign in again.", email=found.email))
    return redirect(url_for("team.person", user_id=found.id))


@bp.post("/<int:user_id>/send-reset")
@role_required("admin")
def send_reset(user_id: int) -> Response | tuple[str, int]:
    """Mail one person a password-reset link (an invitation when invited)."""
    found = _person_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        sent = staff_admin.send_reset(
            db.session(), current_user, found, account_link, _lifetimes()
        )
    except users.UserError:
        return _refused(found, _("Enable the account first."))
    flash(
        _("A new invitation was mailed to %(email)s.", email=found.email)
        if sent == "invite"
        else _("A password-reset link was mailed to %(email)s.", email=found.email)
    )
    return redirect(url_for("team.person", user_id=found.id))


@dataclass(frozen=True)
class AuditArgs:
    """The audit log's page number."""

    page: int = params.arg(params.number("page", 1, 10_000))


@bp.get("/audit")
@role_required("admin")
def audit_log() -> str:
    """What admins did to staff accounts, newest first."""
    try:
        args = params.parse(AuditArgs, request.args)
    except params.ParamError as error:
        invalid(error.field, error.message)
        raise
    entries, total = audit.page(db.session(), args.page)
    return render_template(
        "team/audit.html",
        entries=entries,
        total=total,
        page=args.page,
        pages=max(1, -(-total // audit.PAGE_SIZE)),
        retention=current_app.config["AUDIT_RETENTION_DAYS"],
        noindex=True,
    )
