"""Article pages are cached for anonymous readers, per content version."""

from __future__ import annotations

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
