"""Bad input in the editor gets a clear 4xx (or the documented 503), never a 500.

Issue 19's findings: autosaved fields longer than their column (PostgreSQL),
a synonym term that YAML reads as a date (``2026-13-45``),
a slug with a trailing newline, and a full disk when publishing or saving the
synonyms (a real, small tmpfs).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import (
    add_staff,
    csrf,
    draft_form,
    git,
    new_draft,
    rows,
    setup_commit,
    signed_in,
    staff_email,
)

from kb.storage.models import Draft

DATA = Path(__file__).resolve().parents[1] / "data"


def _autosave(client, draft_id: int, **fields: str):
    return client.post(
        f"/editor/drafts/{draft_id}/autosave",
        data={**draft_form(client, draft_id), **fields},
        headers={"X-Requested-With": "fetch"},
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "T" * 201, "Use at most 200 characters."),
        ("summary", "S" * 501, "Use at most 500 characters."),
        ("tags", "t," * 251, "Use at most 500 characters."),
        ("owner", "o" * 121, "Use at most 120 characters."),
        ("slug", "s" * 121, "Use at most 120 characters."),
        ("category", "c" * 65, "Use at most 64 characters."),
    ],
)
def test_an_autosave_too_long_for_its_column_is_named(
    auth, repo, field, value, message
) -> None:
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    response = _autosave(editor, draft_id, **{field: value})
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["field"] == field and message in answer["error"]
    [draft] = rows(auth.app, Draft)
    assert getattr(draft, field) != value and draft.revision == 0


def test_the_first_autosave_of_a_new_article_is_checked_too(auth, repo) -> None:
    editor = auth.login("editor")
    response = editor.post(
        "/editor/new",
        data={
            "csrf_token": csrf(editor, "/editor/new"),
            "title": "T" * 201,
            "lang": "id",
            "slug": "x",
            "status": "published",
            "body": "B",
        },
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert response.get_json()["field"] == "title"
    assert rows(auth.app, Draft) == []


@pytest.mark.parametrize("slug", ["x\n", "refund\n", "x\r\n"])
def test_a_slug_with_a_trailing_newline_is_refused(auth, repo, slug) -> None:
    editor = auth.login("editor")
    response = editor.post(
        "/editor/new",
        data={
            "csrf_token": csrf(editor, "/editor/new"),
            "title": "T",
            "lang": "id",
            "slug": slug,
            "category": "",
            "status": "published",
            "body": "B",
        },
    )
    assert response.status_code == 400
    assert "Use lowercase letters" in response.get_data(as_text=True)
    assert rows(auth.app, Draft) == []


def test_an_article_address_with_a_newline_is_not_found(client) -> None:
    assert client.get("/en/articles/refund-times%0A").status_code == 404


def test_a_date_like_synonym_term_is_quoted_not_a_500(auth, repo) -> None:
    editor = auth.login("editor")
    url = "/editor/synonyms/add?term=2026-13-45&lang=en"
    response = editor.post(
        "/editor/synonyms/add",
        data={
            "csrf_token": csrf(editor, url),
            "term": "2026-13-45",
            "phrase": "refund date",
            "lang": "en",
            "gap": "",
            "next": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert '  "2026-13-45": [refund date]\n' in (repo / "_synonyms.yml").read_text()
    # The same term in the synonyms file itself: a problem at its line.
    bad = editor.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(editor, "/editor/synonyms"),
            "text": "en:\n  2026-13-45: [refund date]\n",
        },
    )
    assert bad.status_code == 400
    assert "Line 2" in bad.get_data(as_text=True)


# -- a full disk ------------------------------------------------------------
@pytest.fixture()
def full_disk(tmp_path: Path, make_app, database_url: str):
    """An app whose articles repository sits on a small tmpfs that is full."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        articles = disk / "articles"
        shutil.copytree(DATA / "articles", articles)
        git(articles, "init", "-q", "-b", "main")
        git(articles, "add", "-A")
        setup_commit(articles, "initial")
        app = make_app(DATABASE_URL=database_url, ARTICLES_DIR=str(articles))
        client = signed_in_editor(app)
        _fill(disk / "filler")
        yield app, client, articles
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(path: Path) -> None:
    """Write to ``path`` until the disk refuses even one more byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def signed_in_editor(app):
    """An editor of ``app``, signed in."""
    add_staff(app, staff_email("editor"), "editor")
    return signed_in(app, staff_email("editor"))


def test_publishing_on_a_full_disk_is_a_503_and_changes_nothing(full_disk) -> None:
    app, editor, articles = full_disk
    draft_id = new_draft(editor)
    before = (
        git(articles, "--no-optional-locks", "status", "--porcelain"),
        git(articles, "rev-parse", "HEAD"),
    )
    response = editor.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(editor, draft_id)
    )
    assert response.status_code == 503
    assert "could not write the file (is its disk full?)" in response.get_data(
        as_text=True
    )
    assert not (articles / "payments" / "cara-refund.md").exists()
    assert not [p for p in (articles / "payments").iterdir() if p.name[0] == "."]
    after = (
        git(articles, "--no-optional-locks", "status", "--porcelain"),
        git(articles, "rev-parse", "HEAD"),
    )
    assert after == before
    assert [d.state for d in rows(app, Draft)] == ["editing"]


def test_saving_the_synonyms_on_a_full_disk_is_a_503(full_disk) -> None:
    _app, editor, articles = full_disk
    old = (articles / "_synonyms.yml").read_text()
    grown = old + "# " + "a long comment to need more room " * 200 + "\n"
    response = editor.post(
        "/editor/synonyms",
        data={"csrf_token": csrf(editor, "/editor/synonyms"), "text": grown},
    )
    assert response.status_code == 503
    assert "is its disk full?" in response.get_data(as_text=True)
    assert (articles / "_synonyms.yml").read_text() == old
    assert git(articles, "--no-optional-locks", "status", "--porcelain") == ""
