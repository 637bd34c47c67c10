"""The editor: drafts in the database, preview with kb check, publish into git."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import (
    csrf,
    draft_form,
    execute,
    git,
    open_ticket,
    rows,
    setup_commit,
    staff_email,
)
from sqlalchemy import update

from kb.services import editing
from kb.services.editing import schedules
from kb.services.search import SearchRequest
from kb.storage import articles as files
from kb.storage import git_repo
from kb.storage.models import Draft, Message, Ticket

TABLE_AND_NOTE = (
    "## Langkah\n\n"
    "| Metode | Waktu |\n|---|---|\n| Transfer | 1 hari |\n\n"
    "!!! note\n    Simpan bukti transfer.\n"
)


def _new_form(client, **fields) -> dict:
    data = {
        "title": "Cara refund lewat transfer",
        "lang": "id",
        "slug": "cara-refund",
        "category": "payments",
        "tags": "refund, transfer",
        "summary": "Langkah refund.",
        "aliases": "",
        "translation": "",
        "status": "published",
        "owner": "",
        "body": TABLE_AND_NOTE,
        "revision": "0",
    }
    data.update(fields)
    data["csrf_token"] = csrf(client, "/editor/new")
    return data


def _create(client, **fields) -> int:
    response = client.post("/editor/new", data=_new_form(client, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/editor/drafts/(\d+)", response.headers["Location"])[1])


def _post_step(client, draft_id: int, step: str, **fields):
    """Post the draft's form with ``step``, at the revision its page shows."""
    page = f"/editor/drafts/{draft_id}"
    data = _new_form(client, **fields)
    data.update(draft_form(client, draft_id))
    data.update({"step": step, **fields})
    return client.post(page, data=data)


def test_an_editor_writes_previews_and_publishes_into_git(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _create(client)
    assert not (repo / "payments" / "cara-refund.md").exists()  # drafts stay in the DB

    shown = _post_step(client, draft_id, "preview")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "<table" in page and "admonition note" in page
    assert "kb check: no problems." in page

    published = _post_step(client, draft_id, "publish")
    assert published.status_code == 302, published.get_data(as_text=True)[:3000]
    text = (repo / "payments" / "cara-refund.md").read_text("utf-8")
    assert text.startswith("---\ntitle: Cara refund lewat transfer\nlang: id\n")
    log = git(repo, "log", "--format=%ae|%s", "--", "payments/cara-refund.md")
    assert log.strip().splitlines() == [
        f"{staff_email('editor')}|"
        "Add payments/cara-refund.md: Cara refund lewat transfer"
    ]
    assert git(repo, "status", "--porcelain") == ""
    found = client.get("/id/search?q=bukti+transfer").get_data(as_text=True)
    assert "Cara refund lewat transfer" in found
    assert client.get("/id/articles/cara-refund").status_code == 200


def test_preview_shows_kb_check_problems_at_their_line(auth, repo) -> None:
    client = auth.login("editor")
    body = "Intro\n\nSee [the other](no-such-article) and [here](#nowhere).\n"
    draft_id = _create(client, body=body)
    page = _post_step(client, draft_id, "preview", body=body).get_data(as_text=True)
    assert "Line 3</a>: link to unknown article &#39;no-such-article&#39;" in page
    assert "Line 3</a>: link to unknown anchor &#39;#nowhere&#39;" in page
    response = _post_step(client, draft_id, "publish", body=body)
    assert response.status_code == 400
    assert not (repo / "payments" / "cara-refund.md").exists()


def test_problems_speak_the_editors_language_at_their_line(auth, repo) -> None:
    client = auth.login("editor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    body = "Intro\n\nLihat [yang lain](no-such-article) dan [di sini](#nowhere).\n"
    draft_id = _create(client, body=body)
    page = _post_step(client, draft_id, "preview", body=body).get_data(as_text=True)
    assert (
        "Baris 3</a>: tautan ke artikel yang tidak dikenal &#39;no-such-article&#39;"
        in page
    )
    assert "Baris 3</a>: tautan ke anchor yang tidak dikenal &#39;#nowhere&#39;" in page
    assert "link to unknown" not in page
    refused = _post_step(client, draft_id, "publish", body=body)
    assert refused.status_code == 400
    assert "tautan ke artikel yang tidak dikenal" in refused.get_data(as_text=True)
    # A front matter problem (the slug of a file that exists) at its field.
    clash = _create(client, slug="refund-times", lang="en")
    shown = _post_step(client, clash, "preview", slug="refund-times", lang="en")
    assert "sudah ada berkas di payments/refund-times.md" in shown.get_data(
        as_text=True
    )
    live = client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={
            "csrf_token": csrf(client, f"/editor/drafts/{draft_id}"),
            "live": "1",
            "body": body,
        },
    ).get_json()["preview"]
    assert (
        "Baris 3: tautan ke artikel yang tidak dikenal 'no-such-article'"
        in (live["problems"])
    )
    # The same draft on the English interface: the English of kb check, unchanged.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = _post_step(client, clash, "preview", slug="refund-times", lang="en")
    assert "a file already exists at payments/refund-times.md" in english.get_data(
        as_text=True
    )


def test_the_synonyms_page_shows_problems_in_indonesian(auth, repo) -> None:
    client = auth.login("editor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    bad = client.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(client, "/editor/synonyms"),
            "text": "id:\n  tf: tf\nfr:\n  a: [b]\n  c: [d\n",
        },
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "Baris 6: YAML tidak valid: while parsing a flow sequence" in page
    fine_yaml = client.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(client, "/editor/synonyms"),
            "text": "id:\n  tf: tf\nfr:\n  a: [b]\n",
        },
    ).get_data(as_text=True)
    assert "Baris 2: &#39;tf&#39; dipetakan ke dirinya sendiri" in fine_yaml
    assert "Baris 3: bahasa &#39;fr&#39; tidak dikenal (gunakan id, en)" in fine_yaml


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "../../etc/passwd"}, "Use lowercase letters"),
        ({"slug": "Bad Slug"}, "Use lowercase letters"),
        ({"category": "../secrets"}, "Not a valid choice"),
        ({"title": ""}, "Give the article a title."),
        ({"lang": "fr"}, "Not a valid choice"),
    ],
)
def test_bad_fields_are_refused_at_the_field(auth, repo, fields, message) -> None:
    client = auth.login("editor")
    response = client.post("/editor/new", data=_new_form(client, **fields))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(auth.app, Draft) == []


def test_a_slug_clash_is_caught_before_anything_is_written(auth, repo) -> None:
    client = auth.login("editor")
    before = git(repo, "log", "--oneline")
    draft_id = _create(client, slug="refund-times", lang="en")
    response = _post_step(client, draft_id, "publish", slug="refund-times", lang="en")
    assert response.status_code == 400
    assert "a file already exists at payments/refund-times.md" in response.get_data(
        as_text=True
    ) or "duplicate slug" in response.get_data(as_text=True)
    assert git(repo, "log", "--oneline") == before
    assert git(repo, "status", "--porcelain") == ""


def test_yaml_breaking_text_is_quoted_not_obeyed(auth, repo) -> None:
    client = auth.login("editor")
    title = 'Refund: "cepat"\n---\nstatus: draft #'
    summary = "a: b\n- c\n---"
    draft_id = _create(client, title=title.replace("\n", " "), summary=summary)
    assert (
        _post_step(
            client, draft_id, "publish", title=title.replace("\n", " "), summary=summary
        ).status_code
        == 302
    )
    article, problems = files.parse_article(repo / "payments" / "cara-refund.md", repo)
    assert problems == [] and article is not None
    assert article.title == title.replace("\n", " ")
    assert article.summary == summary
    assert article.status == "published"


def test_path_traversal_is_impossible(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    for rel in ("../x.md", "/etc/x.md", "a/../../x.md", ".git/config.md", "x.txt", ""):
        with pytest.raises(ValueError):
            files.inside(root, rel)
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(ValueError):
        files.inside(root, "link/x.md")
    with pytest.raises(editing.EditingError):
        editing.target_path(editing.Fields(slug="../x"), None)
    assert files.inside(root, "a/b.md") == (root / "a" / "b.md").resolve()


def test_a_failed_commit_leaves_tree_and_index_as_before(auth, repo) -> None:
    client = auth.login("editor")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by hook >&2\nexit 1\n")
    hook.chmod(0o755)
    original = (repo / "payments" / "refund-times.md").read_bytes()
    client.post(
        "/editor/articles/refund-times/draft",
        data={"csrf_token": csrf(client, "/editor/articles/refund-times")},
    )
    draft_id = rows(auth.app, Draft)[0].id
    response = _post_step(
        client,
        draft_id,
        "publish",
        title="Refund times",
        lang="en",
        slug="refund-times",
        body="# Refund\n\nCompletely new words zebracorn.\n",
    )
    assert response.status_code == 409
    assert "refused by hook" in response.get_data(as_text=True)
    assert (repo / "payments" / "refund-times.md").read_bytes() == original
    assert git(repo, "status", "--porcelain") == ""
    with auth.app.app_context():
        service = auth.app.extensions["jawab.search"]
        assert service.search(SearchRequest(q="zebracorn", lang="en")).total == 0
    assert [d.state for d in rows(auth.app, Draft)] == ["editing"]


def test_agents_propose_and_only_editors_publish(auth, repo) -> None:
    agent = auth.login("agent")
    draft_id = _create(agent)
    page = agent.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert 'value="publish"' not in page
    denied = _post_step(agent, draft_id, "publish")
    assert denied.status_code == 403
    direct = agent.post(
        f"/editor/drafts/{draft_id}/publish",
        data=draft_form(agent, draft_id),
    )
    assert direct.status_code == 403
    assert _post_step(agent, draft_id, "propose").status_code == 302
    editor = auth.login("editor")
    listing = editor.get("/editor/").get_data(as_text=True)
    assert "Waiting for review" in listing
    response = editor.post(
        f"/editor/drafts/{draft_id}/publish",
        data=draft_form(editor, draft_id),
    )
    assert response.status_code == 302
    log = git(repo, "log", "-1", "--format=%ae|%ce|%b")
    assert log.startswith(f"{staff_email('agent')}|{staff_email('editor')}|")
    assert "Approved-by:" in log


def test_a_second_person_can_be_required(auth, repo) -> None:
    admin = auth.login("admin")
    admin.post(
        "/editor/settings",
        data={
            "csrf_token": csrf(admin, "/editor/settings"),
            "require_second_person": "y",
        },
    )
    first = auth.login("editor")
    draft_id = _create(first)
    assert _post_step(first, draft_id, "publish").status_code == 403
    assert not (repo / "payments" / "cara-refund.md").exists()
    assert _post_step(first, draft_id, "propose").status_code == 302
    second = auth.login("editor", email="editor2@tokorona.example")
    response = second.post(
        f"/editor/drafts/{draft_id}/publish",
        data=draft_form(second, draft_id),
    )
    assert response.status_code == 302
    assert git(repo, "log", "-1", "--format=%ae").strip() == staff_email("editor")


def _start(client, slug: str, fresh: bool = False) -> int:
    data = {"csrf_token": csrf(client, f"/editor/articles/{slug}")}
    if fresh:
        data["fresh"] = "1"
    response = client.post(f"/editor/articles/{slug}/draft", data=data)
    assert response.status_code == 302
    return int(re.search(r"/editor/drafts/(\d+)", response.headers["Location"])[1])


def _edit_body(client, draft_id: int, body: str, **fields):
    base = {"title": "Refund times", "lang": "en", "slug": "refund-times"}
    base.update(fields)
    return _post_step(client, draft_id, "publish", body=body, **base)


def test_two_editors_merge_when_they_can(auth, repo) -> None:
    original = (repo / "payments" / "refund-times.md").read_text("utf-8")
    article, _ = files.parse_article(repo / "payments" / "refund-times.md", repo)
    lines = article.body.strip("\n").splitlines()
    first, second = auth.login("editor"), auth.login("admin")
    one, two = _start(first, "refund-times"), _start(second, "refund-times")
    top = "\n".join(["Top line by one.", *lines])
    assert _edit_body(first, one, top).status_code == 302
    bottom = "\n".join([*lines, "", "Bottom line by two."])
    response = _edit_body(second, two, bottom)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    text = (repo / "payments" / "refund-times.md").read_text("utf-8")
    assert "Top line by one." in text and "Bottom line by two." in text
    assert text != original
    assert len(git(repo, "log", "--format=%H").split()) == 3


def test_overlapping_edits_show_both_sides_and_keep_the_draft(auth, repo) -> None:
    first, second = auth.login("editor"), auth.login("admin")
    one, two = _start(first, "refund-times"), _start(second, "refund-times")
    assert _edit_body(first, one, "First version of the words.").status_code == 302
    response = _edit_body(second, two, "Second, different words.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/editor/drafts/{two}/conflict")
    assert "First version" in (repo / "payments" / "refund-times.md").read_text()
    view = second.get(f"/editor/drafts/{two}/conflict").get_data(as_text=True)
    assert "First version of the words." in view and "Second, different words." in view
    assert [(d.state, d.body) for d in rows(auth.app, Draft) if d.id == two] == [
        ("editing", "Second, different words.")
    ]
    second.post(
        f"/editor/drafts/{two}/resolve",
        data={
            "csrf_token": csrf(second, f"/editor/drafts/{two}/conflict"),
            "choice": "mine",
        },
    )
    assert _edit_body(second, two, "Second, different words.").status_code == 302
    assert "Second, different" in (repo / "payments" / "refund-times.md").read_text()


def test_soft_lock_says_who_is_editing_and_can_be_taken_over(auth, repo) -> None:
    first, second = auth.login("editor"), auth.login("admin")
    draft_id = _start(first, "refund-times")
    page = second.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "is editing this draft right now" in page
    blocked = second.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={"csrf_token": csrf(second, f"/editor/drafts/{draft_id}"), "body": "x"},
        headers={"X-Requested-With": "fetch"},
    )
    assert blocked.status_code == 409
    second.post(
        f"/editor/drafts/{draft_id}/take-over",
        data={"csrf_token": csrf(second, f"/editor/drafts/{draft_id}")},
    )
    page = first.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "is editing this draft right now" in page


def test_autosave_keeps_what_was_typed(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _create(client)
    token = csrf(client, f"/editor/drafts/{draft_id}")
    response = client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={"csrf_token": token, "title": "Half", "slug": "", "body": "typed so far"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["revision"] == 1
    assert [(d.title, d.body) for d in rows(auth.app, Draft)] == [
        ("Half", "typed so far")
    ]
    stale = client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={"csrf_token": token, "body": "older", "revision": "0"},
        headers={"X-Requested-With": "fetch"},
    )
    assert stale.status_code == 200
    assert [d.body for d in rows(auth.app, Draft)] == ["typed so far"]
    no_token = client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={"body": "x"},
        headers={"X-Requested-With": "fetch"},
    )
    assert no_token.status_code == 400


def test_history_diff_and_restore(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _start(client, "refund-times")
    assert _edit_body(client, draft_id, "Brand new text.").status_code == 302
    page = client.get("/editor/articles/refund-times/history").get_data(as_text=True)
    commits = re.findall(r"/editor/articles/refund-times/history/([0-9a-f]{40})", page)
    assert len(commits) == 2
    newest, oldest = commits
    diff = client.get(f"/editor/articles/refund-times/history/{newest}").get_data(
        as_text=True
    )
    assert "<ins>" in diff and "Brand new text." in diff
    side = client.get(
        f"/editor/articles/refund-times/history/{newest}?mode=side"
    ).get_data(as_text=True)
    assert "diff-side" in side
    response = client.post(
        f"/editor/articles/refund-times/history/{oldest}/restore",
        data={
            "csrf_token": csrf(
                client, f"/editor/articles/refund-times/history/{oldest}"
            )
        },
    )
    restored = int(re.search(r"/editor/drafts/(\d+)", response.headers["Location"])[1])
    assert restored != draft_id
    assert "Brand new text." in (repo / "payments" / "refund-times.md").read_text()
    publish = client.post(
        f"/editor/drafts/{restored}/publish",
        data=draft_form(client, restored),
    )
    assert publish.status_code == 302
    assert "Brand new text." not in (repo / "payments" / "refund-times.md").read_text()
    assert len(git(repo, "log", "--format=%H").split()) == 3  # history kept


def test_without_git_publishing_writes_and_history_says_unavailable(
    auth, articles_dir
) -> None:
    assert not git_repo.Repository(articles_dir).available
    client = auth.login("editor")
    draft_id = _create(client)
    response = _post_step(client, draft_id, "publish")
    assert response.status_code == 302
    assert (articles_dir / "payments" / "cara-refund.md").exists()
    page = client.get("/editor/articles/cara-refund/history").get_data(as_text=True)
    assert "History is unavailable" in page


def test_draft_from_a_ticket_reply_removes_the_customer(auth, repo) -> None:
    customer = auth.app.test_client()
    reference = open_ticket(customer).reference
    agent = auth.login("agent")
    agent.post(
        f"/agent/tickets/{reference}/reply",
        data={
            "csrf_token": csrf(agent, f"/agent/tickets/{reference}"),
            "body": f"Hi Budi Santoso, about {reference}: call +62 812 3456 7890 or "
            "mail budi.santoso@mail.example. Refunds take 3 days.",
            "status": "",
        },
    )
    page = agent.get(f"/editor/new?from_ticket={reference}").get_data(as_text=True)
    assert "Refunds take 3 days." in page
    for secret in ("Budi", "Santoso", reference, "3456", "budi.santoso@"):
        assert secret not in page.split('name="body"')[1].split("</textarea>")[0]
    data = _new_form(agent)
    data["csrf_token"] = csrf(agent, f"/editor/new?from_ticket={reference}")
    response = agent.post(f"/editor/new?from_ticket={reference}", data=data)
    assert response.status_code == 302
    notes = [m.body for m in rows(auth.app, Message) if m.internal]
    assert any("/editor/drafts/" in body for body in notes)
    assert [d.source_ticket for d in rows(auth.app, Draft)] == [reference]


def test_new_draft_link_prefills_the_title(auth) -> None:
    client = auth.login("agent")
    page = client.get("/editor/new?title=Lupa+PIN&lang=id").get_data(as_text=True)
    assert 'value="Lupa PIN"' in page and 'value="lupa-pin"' in page


def test_merge_texts_without_a_repository() -> None:
    base = "a\nb\nc\nd\ne\n"
    merged, clean = git_repo.merge_texts("A\nb\nc\nd\ne\n", base, "a\nb\nc\nd\nE\n")
    assert clean and merged == "A\nb\nc\nd\nE\n"
    merged, clean = git_repo.merge_texts("x\n", "a\n", "y\n")
    assert not clean and "<<<<<<< draft" in merged


def test_a_scheduled_draft_is_published_when_its_time_comes(auth, repo) -> None:
    import datetime as dt

    client = auth.login("editor")
    draft_id = _create(client)
    # The form reads the site zone's wall clock (KB_TIME_ZONE, Asia/Jakarta).
    soon = dt.datetime.now(ZoneInfo("Asia/Jakarta")) + dt.timedelta(hours=1)
    soon = soon.strftime("%Y-%m-%dT%H:%M")
    past = _post_step(client, draft_id, "schedule", publish_at="2020-01-01T00:00")
    assert past.status_code == 400
    assert "Choose a time in the future." in past.get_data(as_text=True)
    response = _post_step(client, draft_id, "schedule", publish_at=soon)
    assert response.status_code == 302
    assert [d.state for d in rows(auth.app, Draft)] == ["scheduled"]
    assert not (repo / "payments" / "cara-refund.md").exists()  # a draft until then
    assert client.get("/id/articles/cara-refund").status_code == 404
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with auth.app.app_context():
        from kb.storage.db import standalone_session
        from kb.views.editor.site import editor_site as _site

        with auth.app.test_request_context(), standalone_session() as db:
            results = schedules.publish_due(db, _site(), now=later)
    assert [r.ok for r in results] == [True]
    assert (repo / "payments" / "cara-refund.md").exists()
    assert git(repo, "log", "-1", "--format=%ae").strip() == staff_email("editor")


def test_the_synonyms_file_is_checked_and_committed(auth, repo) -> None:
    client = auth.login("editor")
    bad = client.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(client, "/editor/synonyms"),
            "text": "id:\n  tf: tf\n",
        },
    )
    assert bad.status_code == 400
    assert "Line 2: &#39;tf&#39; maps to itself" in bad.get_data(as_text=True)
    before = (repo / "_synonyms.yml").read_text()
    text = before.rstrip("\n") + "\n  duit: [uang]\n"
    assert "id:" in before
    good = client.post(
        "/editor/synonyms",
        data={"csrf_token": csrf(client, "/editor/synonyms"), "text": text},
    )
    assert good.status_code == 302, good.get_data(as_text=True)[-2000:]
    assert git(repo, "log", "-1", "--format=%s").strip() == "Update _synonyms.yml"
    agent = auth.login("agent")
    assert agent.get("/editor/synonyms").status_code == 403


def test_reviewed_and_the_needs_review_list(auth, repo) -> None:
    client = auth.login("editor", email="old@tokorona.example")
    page = client.get("/editor/").get_data(as_text=True)
    section = page.split('id="stale-title"')[1].split("</section>")[0]
    assert "How long refunds take" not in section  # updated recently
    draft_id = _start(client, "reset-password")
    assert client.get(f"/editor/drafts/{draft_id}").status_code == 200
    auth.app.config["REVIEW_AFTER_DAYS"] = 1
    page = client.get("/editor/").get_data(as_text=True)
    section = page.split('id="stale-title"')[1].split("</section>")[0]
    assert "Reset your password" in section
    data = {
        "title": "Reset your password",
        "lang": "en",
        "slug": "reset-password",
        "category": "account",
        "reviewed": "y",
    }
    article, _ = files.parse_article(repo / "account" / "reset-password.md", repo)
    response = _post_step(client, draft_id, "publish", body=article.body, **data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    article, _ = files.parse_article(repo / "account" / "reset-password.md", repo)
    assert article.reviewed == __import__("datetime").date.today().isoformat()


def test_a_translation_is_flagged_outdated_per_section(auth, repo) -> None:
    client = auth.login("editor")
    lupa = _start(client, "lupa-kata-sandi")
    assert (
        client.post(
            f"/editor/drafts/{lupa}/publish",
            data=draft_form(client, lupa),
        ).status_code
        == 302
    )
    page = client.get("/editor/articles/lupa-kata-sandi").get_data(as_text=True)
    assert "may be outdated" not in page
    reset = _start(client, "reset-password")
    article, _ = files.parse_article(repo / "account" / "reset-password.md", repo)
    headings = re.findall(r"^## (.+)$", article.body, re.M)
    body = article.body.replace(headings[-1], headings[-1], 1) + "\nOne more step.\n"
    response = _post_step(
        client,
        reset,
        "publish",
        title=article.title,
        lang="en",
        slug="reset-password",
        category="account",
        translation="reset-password",
        body=body,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    page = client.get("/editor/articles/lupa-kata-sandi").get_data(as_text=True)
    assert "may be outdated" in page
    flagged = page.split("may be outdated")[1].split("</ul>")[0]
    assert headings[-1] in flagged and headings[0] not in flagged


def test_a_ticket_says_an_article_needs_an_update(auth, repo) -> None:
    customer = auth.app.test_client()
    reference = open_ticket(customer).reference
    execute(auth.app, update(Ticket).values(article_slug="refund-times"))
    agent = auth.login("agent")
    ticket_page = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "Draft an article from this reply" in ticket_page
    link = f"/editor/articles/refund-times?from_ticket={reference}"
    assert link in ticket_page.replace("&amp;", "&")
    response = agent.post(
        "/editor/articles/refund-times/draft",
        data={"csrf_token": csrf(agent, link), "from_ticket": reference},
    )
    assert response.status_code == 302
    assert [d.source_ticket for d in rows(auth.app, Draft)] == [reference]
    notes = [m.body for m in rows(auth.app, Message) if m.internal]
    assert any("/editor/drafts/" in body for body in notes)


def test_the_first_autosave_of_a_new_article_makes_its_draft(auth) -> None:
    client = auth.login("agent")
    response = client.post(
        "/editor/new",
        data={
            "csrf_token": csrf(client, "/editor/new"),
            "title": "Half a title",
            "slug": "",
            "body": "first words",
        },
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    found = response.get_json()
    assert found["url"] == f"/editor/drafts/{found['id']}"
    assert [(d.title, d.body) for d in rows(auth.app, Draft)] == [
        ("Half a title", "first words")
    ]


def test_changing_a_linked_slug_needs_the_old_one_as_alias(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _start(client, "refund-times")
    article, _ = files.parse_article(repo / "payments" / "refund-times.md", repo)
    fields = {
        "title": article.title,
        "lang": "en",
        "slug": "refund-durations",
        "category": "payments",
        "body": article.body,
    }
    response = _post_step(client, draft_id, "publish", **fields)
    assert response.status_code == 400
    assert "link to &#39;refund-times&#39;: add it to the old slugs" in (
        response.get_data(as_text=True)
    )
    response = _post_step(client, draft_id, "publish", aliases="refund-times", **fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def test_publishing_counts_as_the_writers_knowledge_work(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _create(client)
    assert _post_step(client, draft_id, "publish").status_code == 302

    response = client.get("/admin/reports/team?format=csv")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    column = table[0].index("articles_written_or_updated")
    writer = next(row for row in table[1:] if row[0].startswith("editor"))
    assert writer[column] == "1"


def test_only_the_writer_node_publishes(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _create(client)
    auth.app.config["EDITOR_WRITER"] = False
    refused = _post_step(client, draft_id, "publish")
    assert refused.status_code == 403
    assert "This server does not publish articles" in refused.get_data(as_text=True)
    assert not (repo / "payments" / "cara-refund.md").exists()
    assert [d.state for d in rows(auth.app, Draft)] == ["editing"]
    auth.app.config["EDITOR_WRITER"] = True
    assert _post_step(client, draft_id, "publish").status_code == 302
    assert (repo / "payments" / "cara-refund.md").exists()


def test_publishing_pushes_when_asked(auth, repo, tmp_path: Path) -> None:
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "-u", "origin", "main")
    auth.app.config["GIT_PUSH"] = True
    client = auth.login("editor")
    assert _post_step(client, _create(client), "publish").status_code == 302
    pushed = git(remote, "log", "-1", "--format=%s", "main").strip()
    assert pushed == "Add payments/cara-refund.md: Cara refund lewat transfer"

    git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    draft_id = _create(client, slug="cara-kedua", title="Cara kedua")
    done = _post_step(
        client, draft_id, "publish", slug="cara-kedua", title="Cara kedua"
    )
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "pushing to the shared repository failed" in page
    assert git(repo, "log", "-1", "--format=%s").startswith("Add payments/cara-kedua")


def test_autosave_brings_back_the_live_preview(auth, repo) -> None:
    client = auth.login("editor")
    draft_id = _create(client)
    token = csrf(client, f"/editor/drafts/{draft_id}")
    url = f"/editor/drafts/{draft_id}/autosave"
    quiet = client.post(url, data={"csrf_token": token, "body": "x"})
    assert "preview" not in quiet.get_json()  # the beacon on leaving: no render
    live = client.post(
        url,
        data={
            "csrf_token": token,
            "live": "1",
            "body": TABLE_AND_NOTE + "\nLihat [x](tidak-ada).\n<script>x</script>\n",
        },
    ).get_json()["preview"]
    assert "<table>" in live["html"] and "admonition note" in live["html"]
    assert "<script" not in live["html"]  # sanitized like the site
    assert not live["ok"]
    assert any(
        p.startswith("Line ") and "unknown article 'tidak-ada'" in p
        for p in live["problems"]
    )
    fine = client.post(
        url, data={"csrf_token": token, "live": "1", "body": TABLE_AND_NOTE}
    ).get_json()["preview"]
    assert fine["ok"] and fine["problems"] == []


def test_the_markdown_limits_apply_to_drafts(auth, repo) -> None:
    from kb.markdown import MAX_HEADINGS

    client = auth.login("editor")
    draft_id = _create(client)
    many = "".join(f"## Langkah {n}\n\nIsi.\n\n" for n in range(MAX_HEADINGS + 1))
    shown = _post_step(client, draft_id, "preview", body=many)
    assert shown.status_code == 200
    assert "too many headings: 51 (at most 50)" in shown.get_data(as_text=True)
    refused = _post_step(client, draft_id, "publish", body=many)
    assert refused.status_code == 400
    assert not (repo / "payments" / "cara-refund.md").exists()
    too_long = _post_step(client, draft_id, "save", body="x" * 20_001)
    assert too_long.status_code == 400
    assert "Use at most 20000 characters." in too_long.get_data(as_text=True)


def test_history_follows_a_renamed_file(auth, repo) -> None:
    client = auth.login("editor")
    assert _edit_body(client, _start(client, "refund-times"), "Before.").status_code
    git(repo, "mv", "payments/refund-times.md", "account/refund-times.md")
    setup_commit(repo, "Move refunds under account")
    auth.app.extensions["jawab.content"].reload()
    page = client.get("/editor/articles/refund-times/history").get_data(as_text=True)
    commits = re.findall(r"/editor/articles/refund-times/history/([0-9a-f]{40})", page)
    assert len(commits) == 3 and "Move refunds under account" in page
    oldest = client.get(f"/editor/articles/refund-times/history/{commits[-1]}")
    assert oldest.status_code == 200
    assert "Refund times depend on how you paid." in oldest.get_data(as_text=True)
