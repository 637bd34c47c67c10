""" "Add a synonym" on the search gap report (issue 11): the term goes into the
synonyms file through the editor's checks and commit, then the gap is handled
(and comes back if it fails again)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from helpers import csrf, git

from kb.services import events
from kb.storage.synonyms import SynonymEditError, parse_text, with_synonym

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36"
GAPS = "/admin/reports/search?lang=en&tab=zero"


def _gap(app: Flask, query: str, visits: int = 3, tag: str = "gap") -> None:
    for n in range(visits):
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = BROWSER_UA
        client.get(f"/en/search?q={quote(query)}&v=visit-{tag}{n:04d}")
    events.recorder(app).flush()


@pytest.fixture()
def gap_app(ticket_app: Flask, repo) -> Flask:
    """The app over a git articles folder, reports uncached, one search gap."""
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    _gap(ticket_app, "warranty gadget")
    return ticket_app


def test_a_gap_becomes_a_synonym_committed_and_handled(gap_app, auth, repo) -> None:
    editor = auth.login("editor")
    before = (repo / "_synonyms.yml").read_text()
    page = editor.get(GAPS).get_data(as_text=True)
    assert "Add a synonym" in page
    link = "/editor/synonyms/add?term=warranty+gadget&amp;lang=en&amp;next="
    assert link in page
    form_url = f"/editor/synonyms/add?term=warranty+gadget&lang=en&next={quote(GAPS)}"
    form = editor.get(form_url).get_data(as_text=True)
    assert 'value="warranty gadget"' in form and "Back to the search gaps" in form
    assert '<option value="password">' in form  # phrases the file already uses
    response = editor.post(
        "/editor/synonyms/add",
        data={
            "csrf_token": csrf(editor, form_url),
            "term": "warranty gadget",
            "phrase": "warranty",
            "lang": "en",
            "gap": "warranty gadget",
            "next": GAPS,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert response.headers["Location"] == GAPS
    text = (repo / "_synonyms.yml").read_text()
    # One line added after the English entries; the rest as it was.
    added = before.replace("\nid:", "\n  warranty gadget: [warranty]\nid:", 1)
    assert text == added
    subject = git(repo, "log", "-1", "--format=%s").strip()
    assert subject == "Synonym (en): warranty gadget -> warranty"
    after = editor.get(GAPS).get_data(as_text=True)
    assert "now also find" in after and "marked handled" in after
    assert "warranty gadget</th>" not in after and "1 handled query hidden" in after
    # The next failing search brings it back.
    _gap(gap_app, "warranty gadget", visits=1, tag="later")
    assert "warranty gadget</th>" in editor.get(GAPS).get_data(as_text=True)


def test_a_known_word_gets_the_phrase_added(gap_app, auth, repo) -> None:
    editor = auth.login("editor")
    url = "/editor/synonyms/add?term=pw&lang=en"
    response = editor.post(
        "/editor/synonyms/add",
        data={
            "csrf_token": csrf(editor, url),
            "term": "pw",
            "phrase": "passphrase",
            "lang": "en",
            "gap": "",
            "next": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/synonyms"
    assert "  pw: [password, passphrase]\n" in (repo / "_synonyms.yml").read_text()


@pytest.mark.parametrize(
    ("term", "phrase", "message"),
    [
        ("warranty", "warranty", "cannot be a synonym of itself"),
        ("pw", "password", "already in the file"),
        ("warranty", "   ", "Write the word or phrase our articles use."),
        ("", "guarantee", "Write the customers"),
        ("warranty", "!!!", "Write a word or phrase with letters or digits."),
    ],
)
def test_bad_synonyms_are_named_at_the_field(
    gap_app, auth, repo, term, phrase, message
) -> None:
    editor = auth.login("editor")
    before = (repo / "_synonyms.yml").read_text()
    head = git(repo, "rev-parse", "HEAD")
    url = "/editor/synonyms/add?term=x&lang=en"
    response = editor.post(
        "/editor/synonyms/add",
        data={
            "csrf_token": csrf(editor, url),
            "term": term,
            "phrase": phrase,
            "lang": "en",
            "gap": "warranty gadget",
            "next": GAPS,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'aria-invalid="true"' in page
    assert (repo / "_synonyms.yml").read_text() == before
    assert git(repo, "rev-parse", "HEAD") == head
    assert "warranty gadget</th>" in editor.get(GAPS).get_data(as_text=True)


def test_a_broken_file_is_fixed_on_the_synonyms_page_first(gap_app, auth, repo) -> None:
    (repo / "_synonyms.yml").write_text("id: [broken\n")
    editor = auth.login("editor")
    url = "/editor/synonyms/add?term=x&lang=en"
    response = editor.post(
        "/editor/synonyms/add",
        data={
            "csrf_token": csrf(editor, url),
            "term": "warranty",
            "phrase": "x y",
            "lang": "en",
            "gap": "",
            "next": "",
        },
    )
    assert response.status_code == 400
    assert "fix them on the synonyms page first" in response.get_data(as_text=True)


def test_agents_may_not_add_synonyms_and_the_page_speaks_indonesian(
    gap_app, auth
) -> None:
    agent = auth.login("agent")
    assert agent.get("/editor/synonyms/add?term=x").status_code == 403
    editor = auth.login("editor")
    editor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    page = editor.get("/editor/synonyms/add?term=ongkir+mahal&lang=id")
    assert page.status_code == 200 and "Tambah sinonim" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "en:\n  warranty: [guarantee]\n"),
        (
            "id:\n  a: [b]  # kept\n",
            "id:\n  a: [b]  # kept\nen:\n  warranty: [guarantee]\n",
        ),
        (
            "en:\n  a: [b]\n# next\nid:\n  c: [d]\n",
            "en:\n  a: [b]\n  warranty: [guarantee]\n# next\nid:\n  c: [d]\n",
        ),
        ("en: {}\n", "en: {warranty: [guarantee]}\n"),
        ("en:\n  warranty: guarantee\n", None),  # already there
    ],
)
def test_with_synonym_edits_the_text_in_place(text, expected) -> None:
    if expected is None:
        with pytest.raises(SynonymEditError):
            with_synonym(text, "en", "Warranty", "guarantee")
        return
    result = with_synonym(text, "en", "Warranty", "guarantee")
    assert result == expected
    assert parse_text(result)[1] == []


def test_awkward_words_are_quoted() -> None:
    result = with_synonym("", "en", "yes", "123")
    found, problems = parse_text(result)
    assert problems == [] and found.by_lang["en"][("yes",)] == ("123",)
