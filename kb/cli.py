"""``kb`` commands: thin wrappers over the services."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from kb.services.articles import ContentStore
from kb.services.search import SearchRequest, update_index


def init_app(app: Flask) -> None:
    """Register the ``kb`` commands on ``app``."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _content() -> ContentStore:
    return current_app.extensions["jawab.content"]


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Throw the index away and build anew.")
@with_appcontext
def index_command(rebuild: bool) -> None:
    """Build or update the search index from the articles folder.

    Only articles whose content changed are rendered again, so an update after
    one edit takes a second. A full build is written beside the index and
    swapped in when complete; one builder runs at a time. With KB_SEMANTIC=on
    the changed articles' sections are embedded too. Shows progress.
    """
    from pathlib import Path

    started = time.perf_counter()
    library = _content().library()
    for problem in library.problems:
        click.echo(f"warning: {problem}", err=True)
    shown = {"last": 0.0}

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - shown["last"] > 0.5:
            click.echo(f"\rindexing {done}/{total}", nl=done == total, err=True)
            shown["last"] = now

    def embed_progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - shown["last"] > 0.5:
            click.echo(f"\rembedding {done}/{total}", nl=done == total, err=True)
            shown["last"] = now

    report = update_index(
        _content(),
        Path(current_app.config["SEARCH_INDEX_DIR"]),
        rebuild=rebuild,
        progress=progress,
        semantic=current_app.extensions["jawab.search"].semantic,
        embed_progress=embed_progress,
    )
    verb = "rebuilt" if report.rebuilt else "updated"
    semantic = current_app.extensions["jawab.search"].semantic
    if semantic is not None:
        synced = semantic.last_sync
        click.echo(
            "section vectors: semantic re-ranking unavailable (see the log)"
            if synced is None
            else f"section vectors: {synced.embedded} articles embedded, "
            f"{synced.kept} kept, {synced.removed} removed"
        )
    click.echo(
        f"index {verb}: {report.added} added, {report.updated} updated, "
        f"{report.deleted} removed, {report.unchanged} unchanged "
        f"({time.perf_counter() - started:.1f} s)"
    )


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Report every problem in the articles as path:line: message.

    Checks YAML and front matter (required and unknown fields), duplicate slugs
    and aliases, translations, categories, links to unknown articles or
    anchors, old anchors, synonyms, the Markdown limits, and whether each
    article renders at all, and whether the git repository holding the articles
    can be read (a damaged one refuses publishing). Lists scheduled articles.
    Exits 1 on any problem.
    """
    from pathlib import Path

    from kb.storage.git_repo import Repository

    library = _content().library()
    problems = sorted(
        [*library.problems, *library.link_problems()],
        key=lambda p: (p.path, p.line, p.message),
    )
    for problem in problems:
        click.echo(str(problem))
    root = Path(current_app.config["ARTICLES_DIR"])
    damaged = Repository(root, timeout=current_app.config["GIT_TIMEOUT"]).verify()
    if damaged:
        click.echo(f"git: the articles repository is damaged: {damaged}")
    checked = len(library.all)
    for article in sorted(library.scheduled.values(), key=lambda a: a.publish_at):
        click.echo(
            f"scheduled: {article.path} is public from {article.publish_at} (UTC)",
            err=True,
        )
    if problems:
        click.echo(f"{len(problems)} problem(s) in {checked} article(s)", err=True)
        sys.exit(1)
    if damaged:
        click.echo("publishing is off until the repository is repaired", err=True)
        sys.exit(1)
    click.echo(f"{checked} article(s) OK", err=True)


@click.command("search")
@click.argument("query")
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default=None,
    help="Only articles in this language.",
)
@click.option("--limit", default=10, show_default=True, help="How many results.")
@with_appcontext
def search_command(query: str, lang: str | None, limit: int) -> None:
    """Print the ranked results a customer would see for QUERY.

    Each hit with its best section, the other-language fallback and any
    spelling correction: for editors checking how search answers.
    """
    service = current_app.extensions["jawab.search"]
    request = SearchRequest(
        q=" ".join(query.split()), lang=lang, limit=max(1, min(limit, 50))
    )
    try:
        hits = service.search(request)
    finally:
        service.searcher.close()
    click.echo(f"{hits.total} result(s) for {query!r}")
    if hits.fallback_lang:
        click.echo(f"nothing in {lang}; showing {hits.fallback_lang} articles")
    for rank, hit in enumerate(hits.hits, 1):
        click.echo(
            f"{rank:2d}. [{hit.lang}] {hit.title}  ({hit.slug}, score {hit.score:.2f})"
        )
        if hit.section:
            click.echo(f"      section: {hit.section_heading} (#{hit.section})")
    if hits.did_you_mean:
        click.echo(f"did you mean: {hits.did_you_mean}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address.")
@click.option("--port", default=5000, show_default=True, help="TCP port.")
@click.option(
    "--debug/--no-debug",
    default=True,
    show_default=True,
    help="Flask's debug mode (tracebacks in the browser).",
)
@with_appcontext
def serve_command(host: str, port: int, debug: bool) -> None:
    """Run the development server (use gunicorn in production).

    When no staff account exists yet, it first prints how to create the first
    admin.
    """
    hint = _first_admin_hint(f"http://{host}:{port}")
    if hint:
        click.echo(hint)
    current_app.run(host=host, port=port, debug=debug, use_reloader=False)


def _program() -> str:
    """How to type this ``kb`` again: ``.venv/bin/kb`` unless it is on PATH."""
    invoked = os.path.abspath(sys.argv[0])
    if os.path.basename(invoked) != "kb" or shutil.which("kb") == invoked:
        return "kb"
    relative = os.path.relpath(invoked)
    return invoked if relative.startswith("..") else relative


def _first_admin_hint(base: str) -> str | None:
    """The exact command that makes the first admin, while nobody can sign in."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.services import users
    from kb.storage.db import standalone_session

    program = _program()
    try:
        with standalone_session() as db:
            if users.has_active_staff(db):
                return None
    except SQLAlchemyError as exc:
        return (
            f"Could not read the staff accounts ({type(exc).__name__}): "
            f"run `{program} db upgrade` first."
        )
    return (
        "\nNo staff account yet. Create the first admin (it asks for a password of "
        "12 characters or more):\n\n"
        f"    {program} users create you@example.com --role admin\n\n"
        f"then sign in at {base}/agent/login\n"
    )


def _create_app(*_args: object) -> Flask:
    from kb import create_app

    return create_app()


db_group = AppGroup("db", help="Database schema (Alembic migrations).")


@db_group.command("upgrade")
def db_upgrade_command() -> None:
    """Create or migrate the database to the latest schema.

    Run it on every deploy (make run does); it is safe to run again.
    """
    from kb.storage import migrate

    url = current_app.config["DATABASE_URL"]
    migrate.upgrade(url)
    click.echo("database is at the latest schema")


outbox_group = AppGroup("outbox", help="Outgoing mail.")


@outbox_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every --interval seconds.")
@click.option(
    "--interval", default=30.0, show_default=True, help="Seconds between rounds."
)
def outbox_send_command(loop: bool, interval: float) -> None:
    """Send the mail waiting in the outbox (failed sends are retried later).

    Failed sends stay queued and are retried with backoff. Run it from cron,
    or with --loop as a service beside the web workers.
    """
    from kb.services import mail
    from kb.storage.db import standalone_session

    sender = mail.sender_for(current_app.config)
    while True:
        with standalone_session() as db:
            sent, failed = mail.deliver_pending(db, sender)
        click.echo(f"outbox: {sent} sent, {failed} failed")
        if not loop:
            break
        time.sleep(interval)


mail_group = AppGroup("mail", help="Customers' answers by email (inbound mail).")


def inbound_handler(app: Flask) -> Callable[[bytes], Any]:
    """One received mail onto its ticket, in its own session (any thread)."""
    from kb.services import inbound_mail, mail, tickets
    from kb.storage.db import standalone_session

    def link_for(reference: str, token: str) -> str:
        return tickets.secret_link(app.config["BASE_URL"], reference, token)

    def handle(raw: bytes) -> Any:
        with app.app_context(), standalone_session() as db:
            outcome = inbound_mail.receive(db, raw, app.config, link_for)
        if outcome.kind == "opened":
            mail.wake(app)  # the new ticket's acknowledgement
        return outcome

    return handle


@mail_group.command("fetch")
@click.option(
    "--loop",
    "interval",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep fetching, every SECONDS (a service in production).",
)
def mail_fetch_command(interval: float | None) -> None:
    """Read customers' answers from the KB_IMAP_* folder onto their tickets.

    Only unread mail is read; each is marked read (or moved to
    KB_IMAP_DONE_FOLDER) once handled. Auto-replies and bounces are ignored;
    mail that answers no ticket is refused unless KB_MAIL_NEW_TICKETS is on.
    With --loop, an IMAP server that stops answering is one line on stderr and
    the loop keeps trying; SIGTERM ends it after the current round.
    """
    from kb.services import mail, mail_inbox
    from kb.storage.db import standalone_session

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    handle = inbound_handler(app)
    stop = _stop_on_sigterm() if interval is not None else threading.Event()
    # The error that began the current outage: one line per outage, however its
    # cause reads while the server goes down ("reset", then "refused").
    failing = ""
    while not stop.is_set():
        try:
            counts = mail_inbox.fetch(app.config, handle)
        except mail_inbox.InboxError as exc:
            if interval is None:
                raise click.ClickException(str(exc)) from exc
            if not failing:
                click.echo(
                    f"mail fetch: {exc}; trying again every {interval:g} s", err=True
                )
                failing = str(exc)
        else:
            if failing:
                click.echo("mail fetch: the IMAP server answers again", err=True)
                failing = ""
            summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            click.echo(f"mail fetch: {summary or 'no new mail'}")
            with standalone_session() as db:
                mail.deliver_pending(db, mail.sender_for(app.config))
        if interval is None:
            break
        stop.wait(interval)


def _stop_on_sigterm() -> threading.Event:
    """An event set by SIGTERM (a service manager stopping us) or Ctrl-C."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


@mail_group.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    default=2525,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--lmtp", is_flag=True, help="Speak LMTP (Postfix, Exim) instead of SMTP."
)
def mail_serve_command(host: str, port: int, lmtp: bool) -> None:
    """Receive customers' answers over SMTP or LMTP until stopped.

    Point the mail server's transport for the reply address here. A mail that
    answers no ticket is refused with 550 (unless KB_MAIL_NEW_TICKETS is on).
    """
    from kb.services import mail_receiver

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base = app.config["BASE_URL"]
    server = mail_receiver.receiver(
        inbound_handler(app),
        host,
        port,
        lmtp=lmtp,
        contact_url=f"{base}/contact" if base else "",
    )
    stop = _stop_on_sigterm()
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    click.echo(f"receiving mail ({'LMTP' if lmtp else 'SMTP'}) on {host}:{port}")
    try:
        stop.wait()
    finally:
        server.stop()


users_group = AppGroup("users", help="Staff accounts (agents, editors, admins).")


def _password(given: str | None) -> str:
    if given:
        return given
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _users_call(action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    from kb.services.users import UserError
    from kb.storage.db import standalone_session

    with standalone_session() as db:
        try:
            user = action(db, *args, **kwargs)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"{user.email}: {user.role}, {'active' if user.active else 'disabled'}"
        )


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["agent", "editor", "admin"]),
    default="agent",
    show_default=True,
    help="agent < editor < admin.",
)
@click.option("--name", default="", help="Display name (default: from the email).")
@click.option("--password", default=None, help="Prompted for when not given.")
def users_create_command(
    email: str, role: str, name: str, password: str | None
) -> None:
    """Create a staff account (agent, editor or admin).

    The password is prompted for when not given: 12 to 256 characters, not a
    common password, not containing the email's or the site's name. It is
    stored hashed with scrypt.
    """
    from kb.services import users

    site = current_app.config["SITE_NAME"]
    _users_call(users.create, email, role, _password(password), name, site_name=site)


@users_group.command("set-password")
@click.argument("email")
@click.option("--password", default=None, help="Prompted for when not given.")
def users_set_password_command(email: str, password: str | None) -> None:
    """Change a password; every session and API token of that user ends."""
    from kb.services import users
    from kb.storage.db import standalone_session

    site = current_app.config["SITE_NAME"]
    new_password = _password(password)
    with standalone_session() as db:
        try:
            changed = users.set_password(db, email, new_password, site_name=site)
        except users.UserError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"{changed.user.email}: password changed; every sign-in ended and "
            f"{changed.tokens_revoked} API token(s) revoked."
        )


@users_group.command("disable")
@click.argument("email")
def users_disable_command(email: str) -> None:
    """Stop a user from signing in; their sessions end."""
    from kb.services import users

    _users_call(users.disable, email)


@users_group.command("list")
def users_list_command() -> None:
    """List every staff account: email, name, role, status, last sign-in.

    Status is active, invited (no password chosen yet) or disabled.
    """
    from kb.services import staff_admin
    from kb.storage.db import standalone_session

    with standalone_session() as db:
        found = staff_admin.listing(db)
    header = ("EMAIL", "NAME", "ROLE", "STATUS", "2FA", "LAST SIGN-IN (UTC)")
    table = [header] + [
        (
            row.email,
            row.name,
            row.role,
            row.status,
            "on" if row.second_factor else "off",
            row.last_sign_in_at.strftime("%Y-%m-%d %H:%M")
            if row.last_sign_in_at
            else "never",
        )
        for row in found
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        cells = (value.ljust(width) for value, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
    if not found:
        click.echo("no staff accounts yet (kb users create EMAIL --role admin)")


@users_group.command("reset-mfa")
@click.argument("email")
def users_reset_mfa_command(email: str) -> None:
    """Turn off someone's second factor (a lost phone and no recovery code).

    Their authenticator app, recovery codes and passkeys stop working and every
    sign-in ends; they sign in with their password and, if the site requires it,
    turn a new one on. Recorded in the audit log.
    """
    from kb.services import mfa, passkeys, users
    from kb.storage.db import standalone_session

    with standalone_session() as db:
        user = users.find(db, email)
        if user is None:
            raise click.ClickException(f"no account for {email}")
        had = user.mfa_enabled
        passkeys.remove_all(db, user, "command line")
        mfa.disable(db, user, "command line", end_sessions=True)
    if had:
        click.echo(f"{user.email}: second factor off; every sign-in ended.")
    else:
        click.echo(f"{user.email}: had no second factor; every sign-in ended.")


tickets_group = AppGroup("tickets", help="Private tickets.")


@tickets_group.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    required=True,
    help="Retention in days for closed tickets and sent mail.",
)
def tickets_purge_command(days: int) -> None:
    """Delete closed tickets and sent mail older than the retention period.

    Messages and history go with their ticket; open tickets are never purged.
    Run it from cron to enforce your retention period.
    """
    from kb.services import tickets
    from kb.storage.db import standalone_session

    with standalone_session() as db:
        removed, mails = tickets.purge(db, days)
    click.echo(f"purged {removed} closed ticket(s) and {mails} sent mail(s)")


reports_group = AppGroup("reports", help="Insights: event roll-ups, purge, digest.")


@reports_group.command("rollup")
def reports_rollup_command() -> None:
    """Close the days before today into daily counts (run nightly).

    Days end in KB_REPORT_TZ. Reports over long periods then read the counts,
    never past days' raw events. Safe to run again.
    """
    from kb.services import reports
    from kb.storage.db import standalone_session

    with standalone_session() as db:
        days = reports.rollup(db, current_app.config["REPORT_TZ"])
    click.echo(f"rolled up {days} day(s)")


@reports_group.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    help="Days of raw events to keep (default KB_EVENTS_RETENTION_DAYS).",
)
def reports_purge_command(days: int | None) -> None:
    """Roll up, then delete raw search, view and vote events older than DAYS.

    The daily counts stay. Short links of replies drafted over 30 days ago
    that were never copied nor opened go too. So do audit-log entries and
    ended staff sign-ins older than KB_AUDIT_RETENTION_DAYS, and used or
    expired invitation and reset links. Run it from cron to enforce
    KB_EVENTS_RETENTION_DAYS and KB_AUDIT_RETENTION_DAYS.
    """
    import datetime as dt

    from kb.services import account_links, audit, reports, short_links, staff_sessions
    from kb.storage.db import standalone_session

    config = current_app.config
    keep = days or config["EVENTS_RETENTION_DAYS"]
    audit_days = config["AUDIT_RETENTION_DAYS"]
    with standalone_session() as db:
        # Links first: whether one was opened is read from the view events.
        links = short_links.prune(db, dt.datetime.now(dt.UTC))
        removed = reports.purge(db, keep, config["REPORT_TZ"])
        entries = audit.prune(db, audit_days)
        sign_ins = staff_sessions.prune(
            db, audit_days, staff_sessions.Lifetimes.from_config(config)
        )
        account = account_links.prune(db)
    click.echo(
        f"purged {removed['searches']} search(es), {removed['views']} view(s) "
        f"and {removed['votes']} vote(s) older than {keep} days"
    )
    click.echo(f"purged {links} unused short link(s)")
    click.echo(
        f"purged {entries} audit entr(ies) and {sign_ins} staff sign-in(s) older "
        f"than {audit_days} days, and {account} used or expired account link(s)"
    )


@reports_group.command("digest")
def reports_digest_command() -> None:
    """Mail editors the week's top search gaps and worst-rated sections.

    Every active editor and admin gets the last 7 days' top zero-result queries
    and worst-rated sections, through the outbox. Run it weekly from cron.
    """
    from kb.services import mail, reports
    from kb.storage.db import standalone_session
    from kb.views.urls import absolute_url

    with standalone_session() as db:
        found = reports.digest(
            db, current_app.config["REPORT_TZ"], _content().library()
        )
        people = reports.editors(db)
        # Rendered as for a request (translations, URLs), queued outside one,
        # on the site's own address: production trusts no other host.
        base = current_app.config["BASE_URL"] or None
        with current_app.test_request_context(base_url=base):
            url = absolute_url("reports.search")
            mails = [
                mail.reports_digest(
                    person.email,
                    current_app.config["DEFAULT_LANG"],
                    period=found.period,
                    gaps=found.gaps,
                    sections=found.sections,
                    gap_min=reports.GAP_MIN_VISITS,
                    min_votes=reports.COLOUR_MIN_VOTES,
                    url=url,
                )
                for person in people
            ]
        for message in mails:
            mail.enqueue(db, message)
        db.commit()
        sent, failed = mail.deliver_pending(db, mail.sender_for(current_app.config))
    click.echo(f"digest for {len(people)} editor(s): {sent} sent, {failed} failed")


editor_group = AppGroup("editor", help="The web editor's drafts and schedules.")


@editor_group.command("publish-due")
@with_appcontext
def editor_publish_due_command() -> None:
    """Publish scheduled drafts whose time has come (run it from cron).

    Drafts scheduled with "Publish later" in the web editor. Run it every
    minute on the node with KB_EDITOR_WRITER=true (opening /editor does it too).
    """
    from pathlib import Path

    from kb.services import mail
    from kb.services.editing import publishing, schedules
    from kb.storage.db import standalone_session
    from kb.views.urls import absolute_url

    if not current_app.config["EDITOR_WRITER"]:
        click.echo("this node does not publish (KB_EDITOR_WRITER=false)", err=True)
        sys.exit(1)

    def draft_link(draft_id: int) -> str:
        # Built as for a request (on KB_BASE_URL), for the mail to a scheduler.
        with current_app.test_request_context():
            return absolute_url("editor.edit", draft_id=draft_id)

    site = publishing.Site(
        root=Path(current_app.config["ARTICLES_DIR"]),
        content=_content(),
        lock_file=Path(current_app.config["CACHE_DIR"]) / "publish.lock",
        push=current_app.config["GIT_PUSH"],
        after_publish=lambda fresh: current_app.extensions[
            "jawab.search"
        ].ensure_current(fresh),
        git_timeout=current_app.config["GIT_TIMEOUT"],
        draft_link=draft_link,
    )
    with standalone_session() as db:
        results = schedules.publish_due(db, site)
        # Schedulers told of a schedule sent back to editing hear of it now.
        mail.deliver_pending(db, mail.sender_for(current_app.config))
    failed = [r for r in results if not r.ok]
    click.echo(f"published {len(results) - len(failed)} scheduled draft(s)")
    if failed:
        click.echo(f"{len(failed)} could not be published (see the log)", err=True)
        sys.exit(1)


COMMANDS = (
    index_command,
    check_command,
    search_command,
    serve_command,
    db_group,
    outbox_group,
    mail_group,
    users_group,
    tickets_group,
    reports_group,
    editor_group,
)
cli = AppGroup("kb", help="Jawab knowledge base commands.")
for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``kb`` console script."""
    cli.main(
        prog_name="kb", obj=ScriptInfo(create_app=_create_app, set_debug_flag=False)
    )
