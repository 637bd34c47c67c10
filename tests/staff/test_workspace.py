"""The staff workspace (issue 10): the shell's views and search, the queue as a
work list with bulk changes, error pages, the two-pane ticket, the composer's
templates, the welcome reply and the admin's safeguards."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from helpers import add_staff, csrf, rows, signed_in, user_id
from helpers import queue_refs as _refs
from sqlalchemy import select, update

from kb.services import composer, tickets
from kb.storage.db import standalone_session
from kb.storage.models import LinkedArticle, Ticket
from kb.views.desk.views import short_age

AGENT, ADMIN = "sari@tokorona.example", "ayu@tokorona.example"
ARTICLES = Path(__file__).resolve().parents[2] / "articles"


@pytest.fixture()
def desk(ticket_app: Flask) -> Flask:
    """An agent and an admin."""
    add_staff(ticket_app, AGENT, "agent", name="Sari")
    add_staff(ticket_app, ADMIN, "admin", name="Ayu")
    return ticket_app


def _open(app: Flask, subject: str, lang: str = "en", **fields) -> str:
    with app.app_context(), standalone_session() as db:
        opened = tickets.open_ticket(
            db,
            tickets.TicketInput(
                name="Budi Santoso",
                email="budi@mail.example",
                subject=subject,
                message="The first line of what the customer wrote.\nMore.",
                lang=lang,
            ),
            lambda r, t: f"http://x/t/{r}/{t}",
        )
        if fields:
            db.execute(
                update(Ticket)
                .where(Ticket.reference == opened.reference)
                .values(**fields)
            )
            db.commit()
    return opened.reference


def test_short_ages() -> None:
    assert short_age(dt.timedelta(minutes=12)) == "12 min"
    assert short_age(dt.timedelta(hours=3, minutes=5)) == "3 h"
    assert short_age(dt.timedelta(days=2, hours=1)) == "2 d"


def test_views_counts_closed_hidden_and_header_search(desk: Flask) -> None:
    sari = user_id(desk, AGENT)
    now = dt.datetime.now(dt.UTC)
    late = _open(
        desk, "Late", priority="urgent", created_at=now - dt.timedelta(hours=3)
    )
    mine = _open(desk, "Mine", assignee_id=sari, status="open")
    waiting = _open(desk, "Waiting", status="waiting")
    closed = _open(desk, "Closed one", status="closed")
    client = signed_in(desk, AGENT)
    page = client.get("/agent/").get_data(as_text=True)
    assert set(_refs(page)) == {late, mine, waiting}  # closed hidden by default
    counts = dict(
        re.findall(
            r'href="/agent/\?view=(\w+)"[^>]*>[^<]+<span class="view-count">(\d+)<',
            page,
        )
    )
    assert counts == {
        "mine": "1",
        "unassigned": "2",
        "waiting": "2",
        "overdue": "1",
        "open": "3",
    }
    assert _refs(client.get("/agent/?view=all").get_data(as_text=True)).count(closed)
    assert _refs(client.get("/agent/?status=closed").get_data(as_text=True)) == [closed]
    assert _refs(client.get("/agent/?view=overdue").get_data(as_text=True)) == [late]
    assert _refs(client.get("/agent/?view=mine").get_data(as_text=True)) == [mine]
    # The header's ticket search is one labelled landmark and searches everything.
    assert page.count('role="search"') == 1
    assert 'role="search" data-no-suggest aria-label="Tickets"' in page
    found = client.get("/agent/?view=all&q=closed+one").get_data(as_text=True)
    assert _refs(found) == [closed]
    # The row: subject, one-line preview, customer name, pills in words.
    assert "The first line of what the customer wrote. More." in page
    assert '<span class="pill pill--status-new">New</span>' in page
    assert '<span class="pill pill--priority-urgent">Urgent</span>' in page
    assert '<span title="budi@mail.example">Budi Santoso</span>' in page


def test_queue_in_indonesian_and_sortable_headers(desk: Flask) -> None:
    _open(desk, "Satu", lang="id")
    client = signed_in(desk, AGENT, lang="id")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Semua terbuka" in page and "Perlu kami balas" in page
    assert '<span class="pill pill--status-new">Baru</span>' in page
    assert 'aria-sort="ascending"' in page and "sort=newest" in page


def test_bulk_assign_and_close_with_csrf(desk: Flask) -> None:
    first, second = _open(desk, "One"), _open(desk, "Two")
    sari = user_id(desk, AGENT)
    client = signed_in(desk, AGENT)
    data = {"tickets": [first, second], "action": "assign", "assignee": str(sari)}
    assert client.post("/agent/bulk", data=data).status_code == 400  # no CSRF
    token = csrf(client, "/agent/")
    done = client.post("/agent/bulk", data={**data, "csrf_token": token})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 tickets changed." in page
    closed = client.post(
        "/agent/bulk",
        data={"tickets": [first], "action": "close", "csrf_token": token},
    )
    assert closed.status_code == 302
    with desk.app_context(), standalone_session() as db:
        found = {t.reference: t for t in db.scalars(select(Ticket))}
    assert found[first].status == "closed" and found[second].assignee_id == sari
    ticket = client.get(f"/agent/tickets/{first}").get_data(as_text=True)
    assert "Sari changed status from new to closed" in ticket
    empty = client.post("/agent/bulk", data={"action": "close", "csrf_token": token})
    assert "Select at least one ticket." in client.get(
        empty.headers["Location"]
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "You don&#39;t have access to this page"),
        ("id", "Anda tidak punya akses ke halaman ini"),
    ],
)
def test_forbidden_and_not_found_in_the_staff_shell(
    desk: Flask, lang: str, title: str
) -> None:
    client = signed_in(desk, AGENT, lang=lang)
    page = client.get("/admin/reply-templates")
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert f"<h1>{title}</h1>" in text and 'class="staff-header"' in text
    assert "Forbidden" not in text and "site-header" not in text
    missing = client.get("/agent/tickets/JWB-00000")
    assert missing.status_code == 404
    assert 'class="staff-header"' in missing.get_data(as_text=True)
    public = desk.test_client().delete("/en/contact")
    assert public.status_code == 405
    assert "Tindakan itu tidak bisa dilakukan di sini" in public.get_data(as_text=True)


def test_agent_reply_links_stay_out_of_the_contents(desk: Flask) -> None:
    client = signed_in(desk, AGENT)
    page = client.get("/en/articles/reset-password").get_data(as_text=True)
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert "/agent/reply" not in toc and "reply" not in toc.lower().replace("toc", "")
    assert "Reply with a section" in page


def test_ticket_page_two_panes_language_first_and_editor_hook(desk: Flask) -> None:
    reference = _open(desk, "Password", case_code="C-ABCDEF")
    with desk.app_context(), standalone_session() as db:
        composer.save_canned(db, None, "Salam", "id", "Halo {customer_name}")
        composer.save_canned(db, None, "Greeting", "en", "Hello {customer_name}")
    client = signed_in(desk, AGENT)
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    # Canned responses in the ticket's language first, the others one click away.
    assert (
        page.index(">Greeting<")
        < page.index("Other languages")
        < page.index(">Salam (")
    )
    assert 'data-text="Hello Budi Santoso"' in page
    assert page.count('{% include "editor/_ticket_actions.html"') == 0
    assert 'href="/agent/cases/C-ABCDEF"' in page
    assert page.count('class="button-primary"') == 1
    assert page.count('role="search"') == 1  # the header's only
    template = Path(desk.root_path).parent / "templates" / "desk" / "ticket.html"
    source = template.read_text()
    assert (
        source.count('{% include "editor/_ticket_actions.html" ignore missing %}') == 1
    )
    aside = source[source.index('<aside class="ticket-side"') :]
    assert "editor/_ticket_actions.html" in aside
    # The picker searches in the ticket's language unless asked for all.
    english = client.get(f"/agent/tickets/{reference}?lq=password").get_data(
        as_text=True
    )
    assert 'value="reset-password"' in english and 'value="lupa-kata-sandi"' not in (
        english
    )
    every = client.get(f"/agent/tickets/{reference}?lq=password&lall=1").get_data(
        as_text=True
    )
    assert 'name="lall" value="1" id="lall" checked' in every


def test_properties_save_inline_as_json(desk: Flask) -> None:
    reference = _open(desk, "Inline")
    client = signed_in(desk, AGENT)
    url = f"/agent/tickets/{reference}"
    token = csrf(client, url)
    saved = client.post(
        url + "/update",
        data={
            "csrf_token": token,
            "status": "open",
            "priority": "high",
            "assignee": "",
        },
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200 and saved.get_json()["changed"] == 2
    bad = client.post(
        url + "/update",
        data={"csrf_token": token, "status": "nope", "priority": "high"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and bad.get_json()["field"] == "status"


def test_canned_insert_without_javascript_keeps_the_typed_text(desk: Flask) -> None:
    reference = _open(desk, "Canned")
    with desk.app_context(), standalone_session() as db:
        made = composer.save_canned(db, None, "Greeting", "en", "Hi {customer_name}")
        canned_id = made.id
    client = signed_in(desk, AGENT)
    url = f"/agent/tickets/{reference}"
    page = client.post(
        url + "/draft",
        data={
            "csrf_token": csrf(client, url),
            "kind": "note",
            "body": "Checked the payment.",
            "canned": str(canned_id),
            "do": "canned",
        },
    ).get_data(as_text=True)
    assert "Checked the payment. Hi Budi Santoso</textarea>" in html.unescape(page)
    assert '<input checked id="kind-1" name="kind" type="radio" value="note">' in page


# -- the composer's templates -------------------------------------------------

BASE = "https://help.tokorona.example"
LONGEST_SLUG = max(
    (p.stem for p in ARTICLES.rglob("*.md") if not p.name.startswith("_")), key=len
)


@pytest.mark.parametrize("platform", list(composer.PLATFORM_LIMITS))
@pytest.mark.parametrize("key", list(composer.DEFAULTS))
def test_every_default_fits_every_platform(key, platform: str) -> None:
    lang, _tone, kind = key
    link = composer.reply_link(f"{BASE}/{lang}/articles/{LONGEST_SLUG}", platform)
    handoff = f"{BASE}/contact?case=C-7K3Q9M" if kind == "handoff" else ""
    body = composer.DEFAULTS[key]

    class FakeDb:
        def scalars(self, _query):
            return self

        def first(self):
            return None

    reply = composer.compose(
        FakeDb(),  # type: ignore[arg-type]
        composer.ReplyInput(
            lang=lang,
            tone=key[1],
            platform=platform,
            title="T",
            link=link,
            handoff=handoff,
        ),
        kind=kind,
    )
    assert not reply.over, (key, platform, reply.length, reply.text)
    assert (handoff or link) in reply.text
    # Clean punctuation: never a space before a mark, never a mark glued to a link.
    assert not re.search(r"\s[.,!?;:](\s|$)", reply.text), reply.text
    assert not re.search(r"https?://\S+[.,!?;:](\s|$)", reply.text), reply.text
    assert composer.missing_placeholders(body, kind) == []


def test_fill_drops_a_hand_written_space_before_a_mark() -> None:
    text = composer.fill("See {link} . Still stuck?", {"link": "https://a.example/x"})
    assert text == "See https://a.example/x. Still stuck?"


def test_reply_link_is_built_in_one_place() -> None:
    link = composer.reply_link(f"{BASE}/en/articles/a", "tiktok", "if-it-fails")
    assert link == f"{BASE}/en/articles/a?src=tiktok&s=if-it-fails#if-it-fails"


@pytest.fixture()
def welcome_app(make_app, articles_dir: Path, database_url: str) -> Flask:
    """The test corpus plus the sample "getting help" articles."""
    target = articles_dir / "contact"
    target.mkdir()
    for name in ("contact-support.md", "menghubungi-tim-bantuan.md"):
        shutil.copy(ARTICLES / "contact" / name, target / name)
    app = make_app(DATABASE_URL=database_url)
    add_staff(app, AGENT, "agent", name="Sari")
    add_staff(app, ADMIN, "admin", name="Ayu")
    return app


def _reply(page: str) -> str:
    found = re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page[:3000]
    return html.unescape(found.group(1)).strip()


@pytest.mark.parametrize(
    ("lang", "slug"), [("en", "contact-support"), ("id", "menghubungi-tim-bantuan")]
)
def test_welcome_reply_links_the_getting_help_article(
    welcome_app: Flask, lang: str, slug: str
) -> None:
    client = signed_in(welcome_app, AGENT)
    page = client.get(
        "/agent/reply", query_string={"kind": "welcome", "lang": lang}
    ).get_data(as_text=True)
    text = _reply(page)
    assert f"http://localhost/{lang}/articles/{slug}?src=x" in text
    assert ("Welcome" if lang == "en" else "Selamat datang") in text


def test_composer_tones_search_and_recording(welcome_app: Flask) -> None:
    client = signed_in(welcome_app, AGENT)
    english = client.get("/agent/reply?lang=en&q=password").get_data(as_text=True)
    assert "Casual (Kak)" not in english and "Friendly" in english
    assert "article=reset-password" in english  # found by search, not typed
    indonesian = client.get("/agent/reply?lang=id").get_data(as_text=True)
    assert "Casual (Kak)" in indonesian
    url = "/agent/reply?article=reset-password&platform=tiktok&lang=en"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="button-primary"') == 1 and "Copy reply" in page
    assert "Use this reply" not in page
    token = csrf(client, url)
    base = {"csrf_token": token, "article": "reset-password", "platform": "tiktok"}
    over = client.post(
        "/agent/reply/use",
        data={**base, "text": "x" * 151},
        headers={"Accept": "application/json"},
    )
    assert over.status_code == 422 and rows(welcome_app, LinkedArticle) == []
    fits = client.post(
        "/agent/reply/use",
        data={**base, "text": _reply(page)},
        headers={"Accept": "application/json"},
    )
    assert fits.status_code == 201 and len(rows(welcome_app, LinkedArticle)) == 1


# -- admin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("answer", "Hello, read the article.", "must contain {link}"),
        ("handoff", "Hello: {link}", "must contain {handoff}"),
        ("welcome", "Welcome!", "must contain {link}"),
    ],
)
def test_templates_must_keep_their_links(
    desk: Flask, kind: str, body: str, message: str
) -> None:
    admin = signed_in(desk, ADMIN)
    url = f"/admin/reply-templates/en/formal/{kind}"
    saved = admin.post(url, data={"csrf_token": csrf(admin, url), "body": body})
    assert saved.status_code == 400
    page = saved.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page


def test_restore_built_in_text(desk: Flask) -> None:
    admin = signed_in(desk, ADMIN)
    url = "/admin/reply-templates/en/formal/answer"
    token = csrf(admin, url)
    admin.post(url, data={"csrf_token": token, "body": "Mine: {link}"})
    page = admin.get(url).get_data(as_text=True)
    assert "Restore built-in text" in page
    restored = admin.post(url + "/restore", data={"csrf_token": token})
    assert restored.status_code == 302
    with desk.app_context(), standalone_session() as db:
        assert (
            composer.template_body(db, "en", "formal", "answer")
            == (composer.DEFAULTS[("en", "formal", "answer")])
        )
    assert admin.post(url + "/restore").status_code == 400


def test_handoff_finds_the_article_and_keeps_what_was_typed(desk: Flask) -> None:
    client = signed_in(desk, AGENT)
    typed = {
        "csrf_token": csrf(client, "/agent/handoff"),
        "thread_url": "https://x.com/budi/status/9",
        "platform": "tiktok",
        "handle": "@budi",
        "article_q": "password",
    }
    found = client.post("/agent/handoff", data={**typed, "find": "1"})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and 'value="https://x.com/budi/status/9"' in page
    assert 'name="article" value="reset-password"' in page
    assert "field-error" not in page
    created = client.post("/agent/handoff", data={**typed, "article": "reset-password"})
    assert created.status_code == 302
    code = created.headers["Location"].rsplit("/", 1)[1]
    reference = _open(desk, "Through the case", case_code=code, status="waiting")
    case = client.get(created.headers["Location"]).get_data(as_text=True)
    assert f'<a href="/agent/tickets/{reference}">Through the case</a>' in case
    assert '<span class="pill pill--status-waiting">Waiting</span>' in case
    assert _reply(case).startswith("Hello")  # the article's language (English)
    indonesian = client.get(f"/agent/cases/{code}?lang=id&tone=casual")
    text = _reply(indonesian.get_data(as_text=True))
    # On TikTok the article's sentence gives way to the handoff link (150 max).
    assert text.startswith("Halo Kak") and f"/contact?case={code}" in text
    assert composer.count(text, "tiktok") <= 150
