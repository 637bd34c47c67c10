"""Search: the API's shape, filters, paging, safety and the results page."""

from __future__ import annotations

import pytest

# Its ``client`` tests only read: one app serves them all (conftest.py).
pytestmark = pytest.mark.read_only


def api(client, **params):
    response = client.get("/api/search", query_string=params)
    return response.status_code, response.get_json()


def test_api_shape(client) -> None:
    status, data = api(client, q="password", lang="en")
    assert status == 200
    assert set(data) >= {"query", "total", "results", "did_you_mean"}
    assert data["query"] == "password"
    first = data["results"][0]
    assert set(first) == {
        "slug",
        "title",
        "summary",
        "url",
        "lang",
        "category",
        "score",
        "highlights",
        "section",
    }
    assert first["slug"] == "reset-password"
    assert first["url"] == "http://localhost/en/articles/reset-password"
    assert first["lang"] == "en" and first["category"] == "account"
    assert isinstance(first["score"], float)
    assert "<mark>" in first["highlights"] or first["highlights"]


def test_title_outranks_body(client, articles_dir) -> None:
    (articles_dir / "payments" / "mentions.md").write_text(
        "---\ntitle: Shipping notes\nlang: en\n---\n\nA refund is mentioned here "
        "once, in the body.\n"
    )
    _, data = api(client, q="refund", lang="en")
    slugs = [r["slug"] for r in data["results"]]
    assert (
        slugs.index("refund-times") < slugs.index("mentions")
        if "mentions" in slugs
        else slugs[0] == "refund-times"
    )


def test_language_and_category_filters(client) -> None:
    _, indonesian = api(client, q="kata sandi", lang="id")
    assert [r["lang"] for r in indonesian["results"]] == ["id"] * indonesian["total"]
    assert indonesian["results"][0]["slug"] == "lupa-kata-sandi"
    _, payments = api(client, q="password refund", category="payments")
    assert {r["category"] for r in payments["results"]} == {"payments"}
    _, both = api(client, q="password sandi")
    assert {r["lang"] for r in both["results"]} == {"id", "en"}


def test_paging(client) -> None:
    _, page1 = api(client, q="password sandi refund bayar", limit=2, page=1)
    _, page2 = api(client, q="password sandi refund bayar", limit=2, page=2)
    assert page1["total"] == page2["total"] >= 3
    assert len(page1["results"]) == 2
    assert not {r["slug"] for r in page1["results"]} & {
        r["slug"] for r in page2["results"]
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 501}, "q"),
        ({"q": "a", "lang": "fr"}, "lang"),
        ({"q": "a", "page": "zero"}, "page"),
        ({"q": "a", "limit": "1000"}, "limit"),
        ({"q": "a", "page": "0"}, "page"),
    ],
)
def test_bad_parameters_get_clear_messages(client, params, field) -> None:
    status, data = api(client, **params)
    assert status == 400
    assert data["field"] == field and data["error"]


def test_too_long_query_message(client) -> None:
    response = client.get(
        "/api/search", query_string={"q": "x" * 600}, headers={"Accept-Language": "en"}
    )
    data = response.get_json()
    assert "too long (600 characters)" in data["error"]
    assert "at most 500" in data["error"]


@pytest.mark.parametrize(
    "query",
    [
        "title:password",
        "pass*",
        "passw?rd",
        "password AND NOT refund",
        "(password",
        '"password',
        "title:(a OR b)",
        "*",
        "slug:paylater",
        "status:draft",
        "{ } [ ] ^ ~2",
        "\\",
        "zebracorn*",
    ],
)
def test_query_syntax_is_plain_text(client, query) -> None:
    status, data = api(client, q=query)
    assert status == 200
    assert "paylater" not in [r["slug"] for r in data["results"]]


def test_field_syntax_is_not_interpreted(client) -> None:
    _, data = api(client, q="title:refund")
    _, words = api(client, q="title refund")
    # "title" and "refund" are just words, not a field restriction.
    assert data["results"] == words["results"]
    assert data["results"][0]["slug"] == "refund-times"
    _, wildcard = api(client, q="passw*")
    assert wildcard["total"] == 0


def test_highlights_are_escaped(client) -> None:
    _, data = api(client, q="alert script", lang="en")
    snippet = data["results"][0]["highlights"]
    assert "<script>" not in snippet and "&lt;" in snippet


def test_did_you_mean(client) -> None:
    _, data = api(client, q="pasword", lang="en")
    assert data["did_you_mean"] == "password"


def test_typo_falls_back_to_the_corrected_query(client) -> None:
    _, data = api(client, q="pasword", lang="en")
    assert data["corrected"] is True
    assert data["results"][0]["slug"] == "reset-password"
    page = client.get("/en/search?q=pasword").get_data(as_text=True)
    assert "Nothing matched “pasword”. Showing results for “password” instead." in page
    assert "2 results for “password”" in page
    _, exact = api(client, q="password", lang="en")
    assert exact["corrected"] is False


def test_empty_query(client) -> None:
    status, data = api(client, q="   ")
    assert status == 200 and data["total"] == 0 and data["results"] == []


def test_article_api(client) -> None:
    data = client.get("/api/articles/reset-password").get_json()
    assert data["title"] == "Reset your password"
    assert data["url"] == "http://localhost/en/articles/reset-password"
    assert data["translations"] == {
        "id": "http://localhost/id/articles/lupa-kata-sandi"
    }
    assert {
        "level": 2,
        "anchor": "if-the-code-does-not-arrive",
        "title": "If the code does not arrive",
        "url": "http://localhost/en/articles/reset-password"
        "#if-the-code-does-not-arrive",
    } in data["sections"]
    moved = client.get("/api/articles/forgot-password")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/api/articles/reset-password"
    missing = client.get("/api/articles/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]


def test_results_page(client) -> None:
    page = client.get("/en/search?q=password").get_data(as_text=True)
    assert "2 results for “password”" in page
    assert 'href="/en/articles/reset-password">Reset your password</a>' in page
    assert "<mark>" in page


def test_results_page_filters_and_no_results(client) -> None:
    page = client.get("/en/search?q=kata+sandi&language=all").get_data(as_text=True)
    assert "Lupa kata sandi" in page
    page = client.get("/en/search?q=qwertyuiop").get_data(as_text=True)
    assert "0 results for “qwertyuiop”" in page
    assert "We couldn't find an article for that yet." in page


def test_results_page_escapes_the_query(client) -> None:
    page = client.get("/en/search", query_string={"q": "<script>alert(1)</script>"})
    body = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_results_page_too_long(client) -> None:
    response = client.get("/en/search", query_string={"q": "kata " * 200})
    assert response.status_code == 400
    assert "Your search is too long" in response.get_data(as_text=True)


def test_index_heals_when_deleted(app, client) -> None:
    import shutil

    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    app.extensions["jawab.search"].searcher.close()
    _, data = api(client, q="password", lang="en")
    assert data["results"][0]["slug"] == "reset-password"
