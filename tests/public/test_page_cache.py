"""Article pages are cached for anonymous readers, per content version."""

from __future__ import annotations

import re
from pathlib import Path


def test_cached_page_follows_content_changes(client, articles_dir: Path) -> None:
    first = client.get("/en/articles/reset-password").get_data(as_text=True)
    assert client.get("/en/articles/reset-password").get_data(as_text=True) == first
    path = next(articles_dir.rglob("reset-password.md"))
    path.write_text(path.read_text() + "\nA freshly added sentence.\n")
    changed = client.get("/en/articles/reset-password").get_data(as_text=True)
    assert "A freshly added sentence." in changed


def test_cache_keeps_pages_and_languages_apart(client) -> None:
    english = client.get("/en/articles/reset-password").get_data(as_text=True)
    indonesian = client.get("/id/articles/lupa-kata-sandi").get_data(as_text=True)
    assert "Last updated" in english and "Terakhir diperbarui" in indonesian
    again = client.get("/en/articles/reset-password").get_data(as_text=True)
    assert again == english


def test_cache_keeps_section_previews_apart(client) -> None:
    # ?s= changes the page's link preview: a cached page must not leak it.
    section = client.get(
        "/en/articles/reset-password?s=if-the-code-does-not-arrive"
    ).get_data(as_text=True)
    plain = client.get("/en/articles/reset-password").get_data(as_text=True)
    assert "›" in section.split('property="og:title"')[1].split(">")[0]
    assert "›" not in plain.split('property="og:title"')[1].split(">")[0]


def test_search_pages_are_cached_per_query_and_follow_content(
    client, articles_dir: Path
) -> None:
    def results(url: str) -> str:
        # Each search has its own key for the click that follows (issue 11):
        # the rest of the page is the cached one.
        page = client.get(url).get_data(as_text=True)
        return re.sub(r' data-search-key="[^"]*"', "", page)

    first = results("/en/search?q=password")
    assert results("/en/search?q=password") == first
    other = client.get("/en/search?q=refund").get_data(as_text=True)
    assert "How long refunds take" in other and other != first
    paged = client.get("/en/search?q=password&page=2").get_data(as_text=True)
    assert paged != first
    indonesian = client.get("/id/search?q=password").get_data(as_text=True)
    assert indonesian != first
    (articles_dir / "account" / "new-login.md").write_text(
        "---\ntitle: Password tips for new accounts\nlang: en\ncategory: account\n"
        "---\n\nChoose a long password.\n"
    )
    changed = client.get("/en/search?q=password").get_data(as_text=True)
    assert "Password tips for new accounts" in changed
    # A refused query keeps its status when it comes from the cache.
    long_query = "x" * 5000
    assert client.get(f"/en/search?q={long_query}").status_code == 400
    assert client.get(f"/en/search?q={long_query}").status_code == 400
