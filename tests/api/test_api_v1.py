"""The versioned JSON API: resources, errors, caching, CORS and its OpenAPI document."""

from __future__ import annotations

import os
import re

# The plugin submodules below are imported now, not lazily while Hypothesis
# draws the first cases: pytest rewrites them with ast.parse, which on CPython
# 3.11.7 can fail deep in a draw when another thread formats a traceback
# (cpython#106905).
import hypothesis.internal.conjecture.optimiser  # noqa: F401
import hypothesis.strategies._internal.flatmapped  # noqa: F401
import hypothesis.strategies._internal.random  # noqa: F401
import pytest
import schemathesis
import schemathesis.generation.dictionaries  # noqa: F401
import schemathesis.specs.openapi.coverage._operation  # noqa: F401
import schemathesis.transport.wsgi  # noqa: F401
from helpers import csrf
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.exceptions import TooManyRequests

from kb.views.access import is_staff_view
from kb.views.api import schemas
from kb.views.api.errors import from_http_exception


def test_search_and_suggest_answer_as_the_aliases_do(client) -> None:
    for path in ("/search?q=password&lang=en", "/suggest?q=pass"):
        old = client.get("/api" + path)
        new = client.get("/api/v1" + path)
        assert new.status_code == old.status_code == 200
        assert new.get_json() == old.get_json()
    data = client.get("/api/v1/search?q=password&lang=en").get_json()
    assert data["results"][0]["slug"] == "reset-password"


def test_article_with_sections_translations_and_redirect(client) -> None:
    data = client.get("/api/v1/articles/reset-password").get_json()
    assert data["title"] == "Reset your password"
    assert data["translations"] == {
        "id": "http://localhost/id/articles/lupa-kata-sandi"
    }
    assert any(s["anchor"] == "if-the-code-does-not-arrive" for s in data["sections"])
    moved = client.get("/api/v1/articles/forgot-password")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/api/v1/articles/reset-password"
    assert client.get("/api/v1/articles/paylater").status_code == 404  # a draft


def test_article_list_filters_and_pages(client) -> None:
    data = client.get("/api/v1/articles").get_json()
    assert data["count"] == 4 and data["page"] == 1 and data["pages"] == 1
    assert "paylater" not in {item["slug"] for item in data["items"]}
    assert set(data["items"][0]) == {
        "slug",
        "lang",
        "title",
        "summary",
        "category",
        "updated",
        "url",
    }
    en = client.get("/api/v1/articles?lang=en&limit=1").get_json()
    assert en["count"] == 2 and en["pages"] == 2
    assert [i["slug"] for i in en["items"]] == ["reset-password"]  # newest first
    second = client.get("/api/v1/articles?lang=en&limit=1&page=2").get_json()
    assert [i["slug"] for i in second["items"]] == ["refund-times"]
    since = client.get("/api/v1/articles?lang=en&updated_since=2026-09-20").get_json()
    assert [i["slug"] for i in since["items"]] == ["reset-password"]
    moment = "/api/v1/articles?lang=en&updated_since=2026-09-15T23:00:00%2B07:00"
    assert client.get(moment).get_json()["count"] == 2  # compared by date
    payments = client.get("/api/v1/articles?category=payments&lang=en").get_json()
    assert [i["slug"] for i in payments["items"]] == ["refund-times"]
    assert client.get("/api/v1/articles?page=9").get_json()["items"] == []


def test_categories_with_titles_and_counts_per_language(client) -> None:
    items = client.get("/api/v1/categories").get_json()["items"]
    assert [c["key"] for c in items] == ["account", "payments"]
    payments = items[1]
    assert payments["titles"] == {"id": "Pembayaran", "en": "Payments"}
    assert payments["counts"] == {"id": 1, "en": 1}  # the draft is not counted
    assert payments["urls"] == {
        "id": "http://localhost/id/categories/payments",
        "en": "http://localhost/en/categories/payments",
    }


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/v1/search?lang=xx", 400, "lang"),
        ("/api/v1/search?q=a&page=0", 400, "page"),
        ("/api/v1/suggest?q=a%00b", 400, "q"),
        ("/api/v1/articles?updated_since=yesterday", 400, "updated_since"),
        ("/api/v1/articles?updated_since=2026-13-01", 400, "updated_since"),
        ("/api/v1/articles?limit=101", 400, "limit"),
        ("/api/v1/articles?lang=fr", 400, "lang"),
        ("/api/v1/articles/nope", 404, "slug"),
        ("/api/v1/nothing-here", 404, None),
        ("/api/articles/nope", 404, "slug"),
        ("/api/search?q=a%00b", 400, "q"),
    ],
)
def test_every_error_has_one_shape(client, url, status, field) -> None:
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "status", "field"}
    assert body["status"] == status and body["field"] == field and body["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_method_not_allowed_and_rate_limit_use_the_shape(app, client) -> None:
    response = client.post("/api/v1/search")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json()["status"] == 405
    assert set(response.get_json()) == {"error", "status", "field"}
    # A 429 from the limiter (searches, see tests/insights) goes this way.
    with app.test_request_context("/api/v1/search"):
        limited = from_http_exception(TooManyRequests(retry_after=30))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "30"
    assert limited.get_json()["status"] == 429 and limited.get_json()["field"] is None


def test_errors_are_translated(client) -> None:
    response = client.get(
        "/api/v1/articles?updated_since=kemarin", headers={"Accept-Language": "id"}
    )
    assert "tanggal ISO" in response.get_json()["error"]
    missing = client.get("/api/v1/articles/nope", headers={"Accept-Language": "id"})
    assert "Tidak ada artikel" in missing.get_json()["error"]


@pytest.mark.parametrize("url", ["/api/v1/articles", "/api/v1/articles/reset-password"])
def test_article_reads_are_cacheable_and_conditional(client, url) -> None:
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    modified = first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.get_json() == first.get_json()
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": old}).status_code == 200


def test_an_edit_changes_the_etag_and_last_modified(make_app, articles_dir) -> None:
    client = make_app().test_client()
    url = "/api/v1/articles/reset-password"
    first = client.get(url)
    path = articles_dir / "account" / "reset-password.md"
    path.write_text(path.read_text().replace("Reset your password", "Reset it"))
    os.utime(path, (4_102_444_800, 4_102_444_800))  # 2100: clearly newer
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.get_json()["title"] == "Reset it"
    ims = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert ims.status_code == 200


def test_cors_on_public_gets_and_preflight_but_not_on_staff_routes(client) -> None:
    response = client.get("/api/v1/categories", headers={"Origin": "https://x.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/articles",
        headers={
            "Origin": "https://x.test",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    for url in ("/agent/login", "/en/", "/agent/"):
        page = client.get(url, headers={"Origin": "https://x.test"})
        assert "Access-Control-Allow-Origin" not in page.headers, url
    assert "Cache-Control" not in client.get("/api/v1/search?q=x").headers


def test_staff_api_routes_never_send_cors(ticket_app, auth) -> None:
    # The README promised it; /api/v1/reports/* sent Access-Control-Allow-Origin: *.
    rules = [
        rule
        for rule in ticket_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and is_staff_view(ticket_app.view_functions[rule.endpoint])
    ]
    staff = [rule.rule for rule in rules]
    assert "/api/v1/reports/<name>" in staff
    assert "/api/v1/replies/draft" in staff
    origin = {"Origin": "https://x.test"}
    preflight = {**origin, "Access-Control-Request-Method": "GET"}
    outsider = ticket_app.test_client()
    editor = auth.login("editor")
    token = {**origin, "X-CSRFToken": csrf(editor, "/agent/reply/draft")}
    post = {"post": "refund belum masuk", "platform": "x"}
    for rule in rules:
        url = re.sub(r"<[^>]+>", "overview", rule.rule)
        if "POST" in (rule.methods or ()):
            answers = [
                outsider.post(url, json=post, headers=origin),  # 401
                editor.post(url, json=post, headers=token),  # 200 with staff data
                editor.post(url, json={**post, "post": " "}, headers=token),  # 400
                outsider.options(url, headers=preflight),
            ]
        else:
            answers = [
                outsider.get(url, headers=origin),  # 401
                editor.get(url, headers=origin),  # 200 with staff data
                editor.get(url + "?start=x", headers=origin),  # 400
                outsider.options(url, headers=preflight),
            ]
        assert [a.status_code for a in answers] == [401, 200, 400, 200], url
        for answer in answers:
            assert "Access-Control-Allow-Origin" not in answer.headers, url
            assert "Access-Control-Allow-Methods" not in answer.headers, url
            assert answer.headers.get("Cross-Origin-Resource-Policy") != "cross-origin"
    public = outsider.get("/api/v1/search?q=refund", headers=origin)
    assert public.headers["Access-Control-Allow-Origin"] == "*"


def test_openapi_document_validates(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any error
    assert document == schemas.openapi_document(500)


def test_openapi_document_passes_redocly_security_and_licence_rules() -> None:
    # Redocly's recommended rules (make lint-api runs them in CI): every
    # operation declares its security (an empty list when public), and the
    # document names its licence.
    document = schemas.openapi_document(500)
    assert document["info"]["license"] == {"name": "MIT", "identifier": "MIT"}
    staff = ("/reports/", "/replies/")
    for path, item in document["paths"].items():
        (security,) = {repr(op["security"]) for op in item.values()}
        security = next(iter(item.values()))["security"]
        if path.startswith(tuple(schemas.API_PREFIX + p for p in staff)):
            assert security == [{"staffToken": []}, {"staffSession": []}], path
        else:
            assert security == [], path


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_v1_route_is_documented_and_nothing_else(app) -> None:
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(schemas.API_PREFIX + "/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    document = schemas.openapi_document(app.config["MAX_QUERY_LENGTH"])
    documented = {
        (path, method) for path, item in document["paths"].items() for method in item
    }
    assert routes == documented
    for op in schemas.operations(app.config["MAX_QUERY_LENGTH"]):
        rule = next(
            r for r in app.url_map.iter_rules() if r.endpoint == f"api_v1.{op.endpoint}"
        )
        assert _openapi_path(rule.rule) == schemas.API_PREFIX + op.path


@pytest.fixture()
def api_schema(make_app):
    """The app's own OpenAPI document, loaded through the app (WSGI)."""
    app = make_app(RATELIMIT_ENABLED=False)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


api = schemathesis.pytest.from_fixture("api_schema")


@api.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_own_document(case) -> None:
    """No 5xx; status, content type, headers and body as documented.

    Schemathesis skips the operation serving the document itself; the
    validation test above covers /api/v1/openapi.json.
    """
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ]
    )
