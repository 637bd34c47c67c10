"""Review that cannot be bypassed (issue 19, H1 and M1).

An agent's change to a draft under review sends it back to being written; a
publish or schedule names the revision the editor saw; "a second person" means
nobody who changed the text since its last approval.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from helpers import (
    DRAFT,
    csrf,
    draft_form,
    execute,
    git,
    new_draft,
    post_draft,
    rows,
    staff_email,
)
from sqlalchemy import update

from kb.services.editing import publishing, schedules
from kb.storage.db import standalone_session
from kb.storage.models import Draft, DraftChange, DraftComment, OutboxMail

PHISH = "Log in again at https://phish.example/login to get your refund.\n"
ARTICLE = ("payments", "cara-refund.md")


def _soon() -> str:
    """An hour from now as the form takes it: the site zone's wall clock."""
    later = dt.datetime.now(ZoneInfo("Asia/Jakarta")) + dt.timedelta(hours=1)
    return later.strftime("%Y-%m-%dT%H:%M")


def _publish_due(app) -> list[publishing.Published]:
    """What cron's ``kb editor publish-due`` does, two hours from now."""
    from kb.views.editor.site import editor_site

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with app.test_request_context(), standalone_session() as db:
        return schedules.publish_due(db, editor_site(), now=later)


def _agent_change(agent, draft_id: int, how: str) -> dict:
    """The agent writes ``PHISH`` into the draft: a form save or an autosave.

    Returns the autosave's JSON answer ({} for a form save).
    """
    if how == "save":
        assert post_draft(agent, draft_id, "save", body=PHISH).status_code == 302
        return {}
    saved = agent.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={**draft_form(agent, draft_id), "body": PHISH},
        headers={"X-Requested-With": "fetch"},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    return saved.get_json()


@pytest.mark.parametrize("how", ["save", "autosave"])
def test_a_change_after_scheduling_cancels_the_schedule(auth, repo, how) -> None:
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "propose").status_code == 302
    editor = auth.login("editor")
    scheduled = post_draft(editor, draft_id, "schedule", publish_at=_soon())
    assert scheduled.status_code == 302, scheduled.get_data(as_text=True)[-2000:]
    assert [d.state for d in rows(auth.app, Draft)] == ["scheduled"]
    warned = agent.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "Any change to the text sends it back to being written" in warned

    answer = _agent_change(agent, draft_id, how)

    [draft] = rows(auth.app, Draft)
    assert (draft.state, draft.publish_at, draft.body) == ("editing", None, PHISH)
    assert _publish_due(auth.app) == []
    assert not repo.joinpath(*ARTICLE).exists()  # nothing went live
    if how == "autosave":  # the page says so as it saves
        assert answer["state"] == "editing"
        assert "cancelled the schedule" in answer["notice"]
    # The reviewers are told: in the draft's history and by mail.
    [entry] = [c for c in rows(auth.app, DraftComment) if c.kind == "reopened"]
    page = editor.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    # The moment it was scheduled for, in the site's zone (Asia/Jakarta).
    assert re.search(r"changed the text while it was scheduled for [^<]* GMT\+7:", page)
    assert "the schedule is cancelled" in page
    [mail] = rows(auth.app, OutboxMail)
    assert mail.to_address == staff_email("editor")
    # In the site's language (KB_DEFAULT_LANG, Indonesian here), as the digest.
    assert mail.subject == "[Toko Rona Help] Jadwal dibatalkan: " + DRAFT["title"]
    assert re.search(r"menjadwalkannya untuk \d+ \w+ \d{4} \d\d\.\d\d WIB\.", mail.body)
    assert "UTC" not in mail.body
    assert f"/editor/drafts/{draft_id}" in mail.body


def test_publishing_refuses_text_changed_since_the_editor_saw_it(auth, repo) -> None:
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "propose").status_code == 302
    editor = auth.login("editor")
    seen = draft_form(editor, draft_id)  # the editor opens the proposal
    _agent_change(agent, draft_id, "autosave")

    # "Approve and publish" names the revision the editor saw: refused, with
    # the agent's new text shown as what changed.
    refused = editor.post(f"/editor/drafts/{draft_id}/publish", data=seen)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "the draft changed since you opened it" in page
    assert re.search(r"<ins>.*phish\.example/login", page)
    assert re.search(r"<del>.*Transfer balik dalam satu hari", page)
    # The form's own Publish button too; nothing of the page is saved.
    form = post_draft(editor, draft_id, "publish", revision=seen["revision"])
    assert form.status_code == 409
    assert not repo.joinpath(*ARTICLE).exists()
    [draft] = rows(auth.app, Draft)
    assert (draft.state, draft.body) == ("editing", PHISH)
    # Having been shown the change, the editor may publish what they now saw.
    again = editor.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(editor, draft_id)
    )
    assert again.status_code == 302
    assert "phish.example" in repo.joinpath(*ARTICLE).read_text()


def test_scheduling_names_the_revision_too(auth, repo) -> None:
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "propose").status_code == 302
    editor = auth.login("editor")
    seen = draft_form(editor, draft_id)["revision"]
    # The agent changes it and asks for review again (letting go of the lock).
    assert post_draft(agent, draft_id, "propose", body=PHISH).status_code == 302
    refused = post_draft(
        editor, draft_id, "schedule", publish_at=_soon(), revision=seen
    )
    assert refused.status_code == 409
    assert "phish.example/login" in refused.get_data(as_text=True)
    # Nothing scheduled, and the agent's text is not overwritten by the page.
    assert [(d.state, d.publish_at, d.body) for d in rows(auth.app, Draft)] == [
        ("proposed", None, PHISH)
    ]


def _require_second_person(auth) -> None:
    admin = auth.login("admin")
    response = admin.post(
        "/editor/settings",
        data={
            "csrf_token": csrf(admin, "/editor/settings"),
            "require_second_person": "y",
        },
    )
    assert response.status_code == 302


def test_whoever_changed_the_text_cannot_approve_it(auth, repo) -> None:
    _require_second_person(auth)
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "propose").status_code == 302
    rewriter = auth.login("editor")
    assert post_draft(rewriter, draft_id, "save", body=PHISH).status_code == 302
    page = rewriter.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert 'value="publish"' not in page
    assert "you wrote or changed this text" in page
    refused = rewriter.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(rewriter, draft_id)
    )
    assert refused.status_code == 403
    assert "A second person must approve" in refused.get_data(as_text=True)
    when = post_draft(rewriter, draft_id, "schedule", publish_at=_soon(), body=PHISH)
    assert when.status_code == 403
    assert not repo.joinpath(*ARTICLE).exists()
    # Another editor, who changed nothing, approves it.
    second = auth.login("editor", email="editor2@tokorona.example")
    done = second.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(second, draft_id)
    )
    assert done.status_code == 302
    message = git(repo, "log", "-1", "--format=%B")
    assert "Approved-by: editor2 <editor2@tokorona.example>" in message


def test_who_changed_the_text_is_recorded_per_revision(auth, repo) -> None:
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "save", body="Satu.\n").status_code == 302
    assert post_draft(agent, draft_id, "propose", body="Dua.\n").status_code == 302
    editor = auth.login("editor")
    assert post_draft(editor, draft_id, "save", body="Tiga.\n").status_code == 302
    # An unchanged save is no change: no new revision, no new row.
    assert post_draft(editor, draft_id, "save", body="Tiga.\n").status_code == 302
    changes = sorted(rows(auth.app, DraftChange), key=lambda c: c.id)
    # The agent's saves are one run (its last text kept); the editor's change
    # to the proposal starts a new row.
    assert [
        (c.revision, c.text.endswith(body))
        for c, body in zip(changes, ("Dua.\n", "Tiga.\n"), strict=True)
    ] == [(2, True), (3, True)]
    [draft] = rows(auth.app, Draft)
    assert (draft.revision, draft.state) == (3, "editing")


def test_a_schedule_from_before_pinning_is_not_published(auth, repo) -> None:
    """Drafts scheduled before migration 0012 have no approved revision."""
    agent = auth.login("agent")
    draft_id = new_draft(agent)
    assert post_draft(agent, draft_id, "propose").status_code == 302
    editor = auth.login("editor")
    assert (
        post_draft(editor, draft_id, "schedule", publish_at=_soon()).status_code == 302
    )
    execute(auth.app, update(Draft).values(approved_revision=None))
    assert _publish_due(auth.app) == []
    assert not repo.joinpath(*ARTICLE).exists()
    assert [d.state for d in rows(auth.app, Draft)] == ["editing"]
    [mail] = rows(auth.app, OutboxMail)
    assert mail.to_address == staff_email("editor")
    assert "jadwalkan lagi" in mail.body  # "schedule it again"
    page = editor.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "scheduled before Jawab kept the text a schedule approves" in page


def test_the_title_and_its_trailers_cannot_be_forged(auth, repo) -> None:
    agent = auth.login("agent")
    title = "Refund\n\nApproved-by: Mallory <mallory@evil.example>\nFrom-ticket: X"
    draft_id = new_draft(agent, title=title)
    assert post_draft(agent, draft_id, "propose", title=title).status_code == 302
    editor = auth.login("editor")
    published = editor.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(editor, draft_id)
    )
    assert published.status_code == 302, published.get_data(as_text=True)[-2000:]
    message = git(repo, "log", "-1", "--format=%B")
    # Only the lines Jawab writes start a line; git reads only its trailers.
    assert [line for line in message.splitlines() if ":" in line[:14]] == [
        f"Approved-by: editor <{staff_email('editor')}>"
    ]
    subject = message.splitlines()[0]
    assert subject.startswith("Add payments/cara-refund.md: Refund Approved-by:")
    trailers = git(repo, "log", "-1", "--format=%(trailers:only,unfold)").strip()
    assert trailers == f"Approved-by: editor <{staff_email('editor')}>"
    assert DRAFT["body"].strip() in repo.joinpath(*ARTICLE).read_text()


def test_migration_0012_counts_everyone_on_an_open_draft(tmp_path) -> None:
    from sqlalchemy import create_engine, text

    from kb.storage import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0011")
    engine = create_engine(url)
    now = "2026-12-01 10:00:00"
    with engine.begin() as conn:
        for uid, email in ((1, "a@x.example"), (2, "e@x.example")):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, password_hash, active,"
                    " session_id, created_at) VALUES (:id, :email, '', 'agent', 'x',"
                    " 1, :id, :now)"
                ),
                dict(id=uid, email=email, now=now),
            )
        for did, state, lock in ((1, "scheduled", 2), (2, "published", 2)):
            conn.execute(
                text(
                    "INSERT INTO drafts (id, base_hash, base_text, title, lang, slug,"
                    " category, tags, summary, aliases, translation, status, owner,"
                    " extra, body, state, author_id, approved_by_id, lock_user_id,"
                    " revision, created_at, updated_at) VALUES (:id, '', '', 'T',"
                    " 'id', 't', '', '', '', '', '', 'published', '', '{}', 'B',"
                    " :state, 1, 2, :lock, 4, :now, :now)"
                ),
                dict(id=did, state=state, lock=lock, now=now),
            )
    migrate.upgrade(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT draft_id, user_id, revision FROM draft_changes ORDER BY 2")
        ).all()
        approved = conn.execute(text("SELECT approved_revision FROM drafts")).all()
    engine.dispose()
    assert [tuple(row) for row in found] == [(1, 1, 4), (1, 2, 4)]
    assert [row[0] for row in approved] == [None, None]
