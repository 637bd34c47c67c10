"""Staff pages translate their labels and build their header once (issue 11,
performance): the pages must read exactly as when every label, message and
header link was looked up on each use."""

from __future__ import annotations

import re

import pytest
from flask import Flask, url_for
from flask_babel import force_locale, get_translations
from flask_login import current_user
from helpers import morning_traffic

from kb import templating
from kb.views import staff_nav

TOKEN = r'(name="csrf_token"[^>]*value=")[^"]+'
NAV = r'<nav class="staff-nav".*?</nav>'
PAGES = (
    "/agent/replies/",
    "/admin/reports/",
    "/admin/reports/search",
    "/admin/reports/search?tab=top",
    "/admin/reports/articles",
    "/admin/reports/public",
    "/admin/reports/team",
)


def _pages(client) -> dict[str, str]:
    """Every page, both languages, with the CSRF tokens (time-stamped) blanked."""
    out = {}
    for lang in ("en", "id"):
        client.set_cookie("kb_lang", lang)
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            out[lang + url] = re.sub(
                r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html
            )
    return out


def _each_use(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Look everything up on each use again, as before the labels were kept."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    monkeypatch.setattr(
        templating, "label_tables", lambda _locale: dict(templating.LABEL_TABLES)
    )

    def every_item() -> list:
        if not current_user.is_authenticated:
            return []
        return [i for i in staff_nav._ITEMS if current_user.has_role(i.role)]

    monkeypatch.setattr(staff_nav, "visible_items", every_item)


@pytest.mark.parametrize("role", ["editor", "agent"])
def test_staff_pages_read_as_when_looked_up_on_each_use(
    ticket_app: Flask, auth, monkeypatch, role
) -> None:
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    morning_traffic(ticket_app, auth)
    client = auth.login(role)
    if role == "agent":  # an agent sees their own part: overview and team only
        monkeypatch.setattr(
            "test_render_once.PAGES",
            ("/agent/replies/", "/admin/reports/", "/admin/reports/team"),
        )
    kept = _pages(client)
    assert "Balasan publik saya" in kept["id/agent/replies/"]  # really Indonesian
    _each_use(ticket_app, monkeypatch)
    again = _pages(client)
    assert kept.keys() == again.keys()
    for page, html in kept.items():
        assert html == again[page], page


def test_the_header_follows_the_role_and_the_locale(ticket_app: Flask, auth) -> None:
    agent = auth.login("agent").get("/agent/").get_data(as_text=True)
    admin_client = auth.login("admin")
    admin = admin_client.get("/agent/").get_data(as_text=True)
    assert "/admin/reports/settings" not in agent.split("</nav>")[0]
    nav = re.search(r'<nav class="staff-nav".*?</nav>', admin, re.S).group(0)
    assert len(re.findall("<li>", nav)) > len(
        re.findall(
            "<li>", re.search(r'<nav class="staff-nav".*?</nav>', agent, re.S).group(0)
        )
    )
    admin_client.set_cookie("kb_lang", "id")
    page = admin_client.get("/admin/reports/").get_data(as_text=True)
    nav_id = re.search(NAV, page, re.S).group(0)
    assert nav_id != nav and "Laporan" in nav_id
    assert (
        'aria-current="page">Laporan' in nav_id
    )  # the current page, still per request


def test_a_forced_locale_is_translated_then_restored(ticket_app: Flask) -> None:
    render = ticket_app.jinja_env.from_string("{{ _('Sign out') }}").render
    with ticket_app.test_request_context("/agent/", headers={"Cookie": "kb_lang=en"}):
        assert render() == "Sign out"
        with force_locale("id"):
            assert render() == "Keluar"
        assert render() == "Sign out"


@pytest.mark.parametrize("anchor", ["cara-reset", "langkah 2", "a/b:c?d", "ü-ß", "50%"])
def test_a_section_link_is_quoted_as_url_for_does(ticket_app: Flask, anchor) -> None:
    with ticket_app.test_request_context("/"):
        base = url_for("public.article", lang="en", slug="reset-password")
        assert templating.with_anchor(base, anchor) == url_for(
            "public.article", lang="en", slug="reset-password", _anchor=anchor
        )
