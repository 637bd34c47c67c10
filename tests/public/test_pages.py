"""Public pages as a visitor sees them."""

from __future__ import annotations

import pytest

# Its ``client`` tests only read: one app serves them all (conftest.py).
pytestmark = pytest.mark.read_only


def text(response) -> str:
    return response.get_data(as_text=True)


def test_root_follows_accept_language(client) -> None:
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/"
    response = client.get("/", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert response.headers["Location"] == "/id/"


def test_root_defaults_to_indonesian(client) -> None:
    assert client.get("/").headers["Location"] == "/id/"


def test_language_switch_is_remembered(client) -> None:
    response = client.get("/lang/en?next=/en/articles/reset-password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/articles/reset-password"
    assert "kb_lang=en" in response.headers["Set-Cookie"]
    later = client.get("/", headers={"Accept-Language": "id"})
    assert later.headers["Location"] == "/en/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.tld",
        "//evil.tld",
        "/\\evil.tld",
        "javascript:alert(1)",
        "%2F%2Fevil.tld",
    ],
)
def test_language_switch_never_leaves_the_site(client, target: str) -> None:
    response = client.get("/lang/id", query_string={"next": target})
    assert response.headers["Location"] == "/id/"


def test_home_shows_search_categories_and_welcome(client) -> None:
    page = text(client.get("/en/"))
    assert '<html lang="en">' in page
    assert "Hi, how can we help?" in page
    assert 'role="search"' in page
    assert "Account &amp; login" in page and "Payments" in page
    assert "1 article</span>" in page
    assert "New here? Getting help" in page
    assert "Reset your password" in page


def test_home_in_indonesian_is_translated(client) -> None:
    page = text(client.get("/id/"))
    assert '<html lang="id">' in page
    assert "Akun &amp; login" in page
    assert "Lupa kata sandi" in page
    assert "Reset your password" not in page


def test_article_page(client) -> None:
    page = text(client.get("/en/articles/reset-password"))
    assert '<h1 id="article-title">Reset your password</h1>' in page
    assert "Tap &#34;Forgot password&#34; and follow the code we send you." in page
    assert 'id="if-you-forgot-your-password"' in page
    assert 'href="#if-the-code-does-not-arrive"' in page  # table of contents
    assert 'aria-label="Copy link to this section"' in page
    assert 'aria-current="page">Reset your password' in page  # breadcrumbs
    assert 'href="/en/categories/account">Account &amp; login' in page
    assert "Last updated" in page and "October 1, 2026" in page
    assert 'href="/id/articles/lupa-kata-sandi"' in page  # its translation
    assert "Read in Bahasa Indonesia" in page
    assert 'href="/en/articles/refund-times#bank-transfer"' in page  # slug link


def test_related_articles_share_tags_or_topic(client, articles_dir) -> None:
    (articles_dir / "account" / "login-help.md").write_text(
        "---\ntitle: Trouble logging in\nlang: en\ncategory: account\n"
        "tags: [login]\n---\n\nTry again.\n"
    )
    page = text(client.get("/en/articles/reset-password"))
    related = page.split("Related articles")[1]
    assert "Trouble logging in" in related
    assert "How long refunds take" not in related


def test_article_meta_for_link_previews(make_app) -> None:
    client = make_app(BASE_URL="https://help.example.com").test_client()
    page = text(client.get("/en/articles/reset-password"))
    url = "https://help.example.com/en/articles/reset-password"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:title" content="Reset your password">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert (
        '<meta name="twitter:description" content="Tap &#34;Forgot password&#34; '
        'and follow the code we send you.">'
    ) in page
    assert 'media="print"' in page


def test_alias_and_wrong_language_redirect_permanently(client) -> None:
    old = client.get("/en/articles/forgot-password?src=x")
    assert old.status_code == 301
    assert old.headers["Location"] == "/en/articles/reset-password?src=x"
    wrong_lang = client.get("/id/articles/reset-password")
    assert wrong_lang.status_code == 301
    assert wrong_lang.headers["Location"] == "/en/articles/reset-password"
    short = client.get("/articles/lupa-kata-sandi")
    assert short.headers["Location"] == "/id/articles/lupa-kata-sandi"


def test_category_page(client) -> None:
    page = text(client.get("/en/categories/payments"))
    assert "<h1>Payments</h1>" in page
    assert "How long refunds take" in page
    assert "RonaPay Later" not in page
    assert client.get("/en/categories/nowhere").status_code == 404


def test_not_found_page_has_a_search_box(client) -> None:
    response = client.get("/en/articles/does-not-exist")
    assert response.status_code == 404
    page = text(response)
    assert "We couldn't find that page" in page
    assert 'role="search"' in page


def test_drafts_are_hidden_everywhere(client) -> None:
    assert client.get("/en/articles/paylater").status_code == 404
    assert client.get("/articles/paylater").status_code == 404
    assert client.get("/api/articles/paylater").status_code == 404
    assert "paylater" not in text(client.get("/sitemap.xml"))
    assert "RonaPay Later" not in text(client.get("/en/"))
    assert "RonaPay Later" not in text(client.get("/en/categories/payments"))
    assert client.get("/api/search?q=zebracorn").get_json()["total"] == 0
    assert "0 results for “zebracorn”" in text(client.get("/en/search?q=zebracorn"))


def test_sitemap_lists_published_articles(make_app) -> None:
    client = make_app(BASE_URL="https://help.example.com").test_client()
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    body = text(response)
    assert (
        "<loc>https://help.example.com/en/articles/reset-password</loc>"
        "<lastmod>2026-10-01</lastmod>"
    ) in body
    assert "https://help.example.com/id/articles/lupa-kata-sandi" in body
    assert "https://help.example.com/id/" in body
    assert "Sitemap: https://help.example.com/sitemap.xml" in text(
        client.get("/robots.txt")
    )


def test_security_headers(client) -> None:
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_production_requires_a_secret_key(make_app) -> None:
    from kb.config import ConfigError

    with pytest.raises(ConfigError, match="KB_SECRET_KEY is required"):
        make_app(
            index=False,
            KB_ENV="production",
            SECRET_KEY=None,
            BASE_URL="https://help.tokorona.example",
            SMTP_HOST="smtp.tokorona.example",
        )


def test_development_secret_key_is_generated_and_kept(
    tmp_path, make_app, monkeypatch
) -> None:
    from kb import config

    config.ensure_secret_key(
        settings := {"SECRET_KEY": None, "KB_ENV": "development"}, str(tmp_path)
    )
    first = settings["SECRET_KEY"]
    again = {"SECRET_KEY": None, "KB_ENV": "development"}
    config.ensure_secret_key(again, str(tmp_path))
    assert first and len(first) >= 64 and again["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_articles_reload_when_files_change(client, articles_dir) -> None:
    path = articles_dir / "account" / "reset-password.md"
    path.write_text(
        path.read_text().replace("Reset your password", "Reset your password now")
    )
    assert "Reset your password now" in text(client.get("/en/articles/reset-password"))


def test_bad_environment_value_gives_a_clear_message(monkeypatch) -> None:
    from kb import config

    monkeypatch.setenv("KB_RELOAD_SECONDS", "soon")
    with pytest.raises(config.ConfigError, match="KB_RELOAD_SECONDS must be a whole"):
        config.from_environment(__import__("os").environ)
