"""Schemas of the /api/v1 requests and responses, and the OpenAPI document built
from them: the one description of the API (the tests check the app against it).

Each :class:`Operation` names its path, its query/path parameters and its
response schema; :func:`openapi_document` turns them into OpenAPI 3.1. Response
objects forbid unknown properties, so a field added to a view but not here fails
the schemathesis test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.reading import MAX_LENGTH as POST_MAX_LENGTH
from kb.reading.personal_data import KINDS as PERSONAL_DATA_KINDS
from kb.services.search import LANGS, MAX_LIMIT, MAX_PAGE
from kb.vocab import PLATFORMS

Schema = dict[str, Any]
API_PREFIX = "/api/v1"
ARTICLES_MAX_LIMIT = 100
ARTICLES_DEFAULT_LIMIT = 20
ARTICLES_MAX_PAGE = 10_000
CACHE_CONTROL = "public, max-age=60"
REPORT_NAMES = ("overview", "search", "articles", "public", "team", "tickets")


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or JSON null."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(
    description: str, required: dict[str, Schema], optional: dict | None = None
) -> Schema:
    """A closed JSON object with required and optional properties."""
    return {
        "type": "object",
        "description": description,
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


LANG: Schema = {"type": "string", "enum": list(LANGS)}
URL: Schema = {"type": "string", "format": "uri-reference"}
TEXT: Schema = {"type": "string"}
COUNT: Schema = {"type": "integer", "minimum": 0}
BY_LANG_URL: Schema = {
    "type": "object",
    "propertyNames": LANG,
    "additionalProperties": URL,
}

COMPONENTS: dict[str, Schema] = {
    "Error": obj(
        "The one error shape of every /api answer that is not a success.",
        {
            "error": {
                **TEXT,
                "description": "What went wrong, in the client's "
                "language (Accept-Language: id or en).",
            },
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "field": {
                **nullable(TEXT),
                "description": "The query argument or path part at fault, or null.",
            },
        },
    ),
    "SearchSection": obj(
        "The section of the article that matched best.",
        {"anchor": TEXT, "heading": TEXT, "url": URL},
    ),
    "QuickAnswer": obj(
        "The sentence(s) of one article section that answer the query, "
        "in the article's own words.",
        {
            "text": TEXT,
            "article": obj(
                "The article the answer comes from.",
                {"slug": TEXT, "title": TEXT, "url": URL},
            ),
            "section": {
                **nullable(
                    obj(
                        "The section the answer comes from.",
                        {"anchor": TEXT, "heading": TEXT},
                    )
                ),
                "description": "Null when the answer is the article's opening.",
            },
            "confidence": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "How sure Jawab is that this answers the query.",
            },
        },
    ),
    "SearchResult": obj(
        "One ranked article.",
        {
            "slug": TEXT,
            "title": TEXT,
            "summary": TEXT,
            "url": URL,
            "lang": LANG,
            "category": TEXT,
            "score": {"type": "number"},
            "highlights": {**TEXT, "description": "Sanitized HTML excerpt."},
        },
        {"section": nullable(ref("SearchSection"))},
    ),
    "SearchResponse": obj(
        "A page of search results.",
        {
            "query": TEXT,
            "total": COUNT,
            "page": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": ref("SearchResult")},
            "did_you_mean": nullable(TEXT),
            "corrected": {
                "type": "boolean",
                "description": "True when the results are for did_you_mean.",
            },
            "weak_match": {
                "type": "boolean",
                "description": "True when no result holds the query's main "
                "concepts: the results are the closest articles, not answers.",
            },
            "answer": {
                **nullable(ref("QuickAnswer")),
                "description": "The quick answer, on the first page when "
                "Jawab is sure; otherwise null.",
            },
        },
        {
            "fallback_lang": {
                **nullable(LANG),
                "description": "Set when the results come from the other language.",
            }
        },
    ),
    "Suggestion": obj(
        "An article title for search-as-you-type.",
        {"slug": TEXT, "title": TEXT, "url": URL, "lang": LANG, "category": TEXT},
    ),
    "SuggestResponse": obj(
        "Titles matching a partly typed query.",
        {"query": TEXT, "suggestions": {"type": "array", "items": ref("Suggestion")}},
    ),
    "ArticleSummary": obj(
        "One published article in a list.",
        {
            "slug": TEXT,
            "lang": LANG,
            "title": TEXT,
            "summary": TEXT,
            "category": TEXT,
            "updated": {"type": "string", "format": "date"},
            "url": URL,
        },
    ),
    "ArticleList": obj(
        "A page of published articles, newest first.",
        {
            "page": {"type": "integer", "minimum": 1},
            "pages": COUNT,
            "count": {**COUNT, "description": "Articles matching the filters."},
            "items": {"type": "array", "items": ref("ArticleSummary")},
        },
    ),
    "ArticleSection": obj(
        "A heading of the article with its link.",
        {
            "level": {"type": "integer", "minimum": 1, "maximum": 6},
            "anchor": TEXT,
            "title": TEXT,
            "url": URL,
        },
    ),
    "Article": obj(
        "One published article with its HTML, sections and translations.",
        {
            "slug": TEXT,
            "title": TEXT,
            "summary": TEXT,
            "lang": LANG,
            "category": TEXT,
            "tags": {"type": "array", "items": TEXT},
            "updated": {"type": "string", "format": "date"},
            "url": URL,
            "html": {**TEXT, "description": "Sanitized HTML of the body."},
            "sections": {"type": "array", "items": ref("ArticleSection")},
            "translations": {
                **BY_LANG_URL,
                "description": "The same answer in the other language, by language.",
            },
        },
    ),
    "Category": obj(
        "A category with its titles and published article counts per language.",
        {
            "key": TEXT,
            "titles": {
                "type": "object",
                "propertyNames": LANG,
                "additionalProperties": TEXT,
            },
            "counts": {
                "type": "object",
                "propertyNames": LANG,
                "additionalProperties": COUNT,
            },
            "urls": {**BY_LANG_URL, "description": "The category page per language."},
        },
    ),
    "CategoryList": obj(
        "Categories that have published articles, in display order.",
        {"items": {"type": "array", "items": ref("Category")}},
    ),
    "DraftRequest": obj(
        "A customer's public post to answer. It is read, never stored.",
        {
            "post": {
                "type": "string",
                "minLength": 1,
                "maxLength": POST_MAX_LENGTH,
                "description": "The post as pasted (not only spaces).",
            },
        },
        {
            "platform": {
                "type": "string",
                "enum": list(PLATFORMS),
                "description": "Where the reply goes. Required unless thread_url "
                "is on a known host (x.com, twitter.com, instagram.com, "
                "facebook.com, fb.com, tiktok.com, wa.me); with such a link, "
                "left out or “other”, it is the link's platform.",
            },
            "lang": {
                **nullable(LANG),
                "description": "The replies' language (default: the post's).",
            },
            "tone": {
                **nullable({"type": "string", "enum": ["formal", "casual"]}),
                "description": "formal (Bapak/Ibu) or casual (Kak; the default).",
            },
            "thread_url": {
                **nullable({"type": "string", "maxLength": 500}),
                "description": "The thread's http(s) address (optional): it "
                "can choose the platform and is never stored.",
            },
        },
    ),
    "DraftSituation": obj(
        "What Jawab read from the post.",
        {
            "complaint": {"type": "boolean"},
            "thanks": {
                "type": "boolean",
                "description": "The post only thanks or praises: it neither asks "
                "nor complains. Its reply is a thank-you, with no article.",
            },
            "heated": {"type": "boolean"},
            "personal_data": {
                "type": "array",
                "items": {"type": "string", "enum": list(PERSONAL_DATA_KINDS)},
                "description": "Kinds of personal data the post exposes.",
            },
            "private": {
                "type": "boolean",
                "description": "Heated or exposing data: continue privately.",
            },
        },
    ),
    "DraftReply": obj(
        "One ready reply: shortest, standard, then with the private step; for "
        "a post that only thanks, a thank-you (then, if it exposed personal "
        "data, the private step).",
        {
            "key": {
                "type": "string",
                "enum": ["shortest", "standard", "private", "thanks"],
                "description": "Which reply it is. thanks: the thank-you to a "
                "post that only thanks or praises (no link).",
            },
            "text": TEXT,
            "length": {**COUNT, "description": "As the platform counts it."},
            "limit": {**nullable(COUNT), "description": "null: no limit."},
            "link": {
                **nullable(URL),
                "description": "The article's short link (/s/<code>) the reply "
                "carries (null: none, e.g. a thank-you, or a private step that "
                "had no room for it). A private step's link to the contact form "
                "(/p/<code>) is in its text only.",
            },
            "handoff": {
                "type": "boolean",
                "description": "True for the reply with the private step.",
            },
        },
    ),
    "DraftCandidate": obj(
        "An article (and its best section) that may answer the post.",
        {
            "slug": TEXT,
            "lang": LANG,
            "title": TEXT,
            "anchor": nullable(TEXT),
            "heading": nullable(TEXT),
            "confidence": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "How sure Jawab is that this one, and not another, "
                "answers the post: its lead over the others, so only a first "
                "candidate well ahead is above 0. Not comparable across "
                "candidates: use relevance or match for that.",
            },
            "relevance": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Its search score as a share of the first "
                "candidate's (1 for the first): comparable across candidates.",
            },
            "match": {
                "type": "string",
                "enum": ["best", "possible", "weak"],
                "description": "best: the first candidate; possible: scores at "
                "least half of the first's; weak: less, or the search had to "
                "guess (a corrected or weak query). The page shows these words.",
            },
        },
    ),
    "DraftResponse": obj(
        "Three public replies for a post, with the article they answer from; "
        "a post that only thanks or praises gets a thank-you and no article.",
        {
            "lang": LANG,
            "platform": {
                "type": "string",
                "enum": list(PLATFORMS),
                "description": "The platform the replies fit.",
            },
            "platform_from_thread": {
                "type": "boolean",
                "description": "True when thread_url's host chose the platform.",
            },
            "situation": ref("DraftSituation"),
            "article": nullable(
                obj(
                    "The article the replies link (null: none, e.g. a post "
                    "that only thanks).",
                    {"slug": TEXT, "title": TEXT, "url": URL},
                )
            ),
            "section": nullable(obj("Its section.", {"anchor": TEXT, "heading": TEXT})),
            "answer": {
                **nullable(TEXT),
                "description": "The article's own sentence(s) that answer the post.",
            },
            "replies": {"type": "array", "items": ref("DraftReply")},
            "candidates": {
                "type": "array",
                "maxItems": 3,
                "items": ref("DraftCandidate"),
            },
        },
    ),
}


@dataclass(frozen=True)
class Param:
    """One query or path parameter of an operation."""

    name: str
    schema: Schema
    description: str
    location: str = "query"

    def openapi(self) -> Schema:
        """The OpenAPI parameter object."""
        return {
            "name": self.name,
            "in": self.location,
            "required": self.location == "path",
            "description": self.description,
            "schema": self.schema,
        }


@dataclass(frozen=True)
class Operation:
    """One endpoint under /api/v1 (a GET unless ``method`` says otherwise)."""

    path: str  # OpenAPI template under API_PREFIX, e.g. "/articles/{slug}"
    endpoint: str  # the view function's name in the blueprint
    summary: str
    params: tuple[Param, ...]
    response: str  # component name of the 200 body
    cached: bool = False  # ETag, Last-Modified, Cache-Control, 304
    redirects: bool = False  # an old slug answers 301
    missing: bool = False  # an unknown path part answers 404
    staff: bool = False  # a staff API token or a staff session is needed
    method: str = "get"
    body: str | None = None  # component name of a JSON request body

    def openapi(self) -> Schema:
        """The OpenAPI operation object."""
        ok: Schema = {
            "description": "Success.",
            "content": {"application/json": {"schema": ref(self.response)}},
        }
        responses: dict[str, Schema] = {"200": ok}
        if self.cached:
            ok["headers"] = {
                name: {"required": True, "schema": TEXT, "description": text}
                for name, text in _CACHE_HEADERS.items()
            }
            responses["304"] = {
                "description": "Not modified (If-None-Match or If-Modified-Since)."
            }
        if self.redirects:
            responses["301"] = {
                "description": "An old slug: Location is the current one.",
                "headers": {"Location": {"required": True, "schema": URL}},
            }
        responses["400"] = _error(
            "A parameter (or a field of the body) is unusable; field names it."
        )
        if self.missing:
            responses["404"] = _error(
                "The path names nothing (no such article or report)."
            )
        if self.staff:
            responses["401"] = _error(
                "No staff session, or the API token is unknown, revoked or expired."
            )
            responses["403"] = _error("Not open to your role.")
        responses["429"] = _error("Too many requests; see Retry-After.")
        responses["default"] = _error("Any other error, in the same shape.")
        operation: Schema = {
            "operationId": self.endpoint,
            "summary": self.summary,
            "parameters": [p.openapi() for p in self.params],
            "responses": responses,
        }
        if self.body:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(self.body)}},
            }
        # Public operations say so (an empty list), as Redocly's rules ask.
        operation["security"] = (
            [{name: []} for name in SECURITY_SCHEMES] if self.staff else []
        )
        return operation


# How staff prove who they are to the reports: a personal token
# (Authorization: Bearer jwb_…, made on /agent/account) or the sign-in cookie.
SECURITY_SCHEMES: dict[str, Schema] = {
    "staffToken": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "A personal staff API token (jwb_…), made, listed and revoked on the "
            "staff member's own page (/agent/account). It acts as its owner: an "
            "agent's token sees only the agent's own row."
        ),
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "A signed-in staff browser session.",
    },
}


_CACHE_HEADERS = {
    "ETag": "Strong validator of the body; send it back in If-None-Match.",
    "Last-Modified": "Newest change of the article(s) listed.",
    "Cache-Control": CACHE_CONTROL,
}


def _error(description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref("Error")}},
    }


def _lang(what: str) -> Param:
    return Param("lang", LANG, f"Only {what} in this language.")


def _category(what: str) -> Param:
    return Param(
        "category", {"type": "string", "maxLength": 100}, f"Only {what} of this key."
    )


def _page(high: int) -> Param:
    schema = {"type": "integer", "minimum": 1, "maximum": high, "default": 1}
    return Param("page", schema, "Page number, from 1.")


def _limit(high: int, default: int) -> Param:
    schema = {"type": "integer", "minimum": 1, "maximum": high, "default": default}
    return Param("limit", schema, "Items per page.")


def operations(max_query_length: int) -> tuple[Operation, ...]:
    """Every /api/v1 operation (``KB_MAX_QUERY_LENGTH`` bounds ``q``)."""
    q = Param(
        "q",
        {"type": "string", "maxLength": max_query_length},
        "What the customer typed (spaces are collapsed).",
    )
    return (
        Operation(
            "/search",
            "search",
            "Ranked published articles for a query.",
            (
                q,
                _lang("articles"),
                _category("articles"),
                _page(MAX_PAGE),
                _limit(MAX_LIMIT, 10),
            ),
            "SearchResponse",
        ),
        Operation(
            "/suggest",
            "suggest",
            "Article titles for a partly typed query (a trailing space ends a word).",
            (q, _lang("titles")),
            "SuggestResponse",
        ),
        Operation(
            "/articles",
            "articles",
            "Published articles, newest first, with filters and paging.",
            (
                _lang("articles"),
                _category("articles"),
                Param(
                    "updated_since",
                    {
                        "type": "string",
                        "examples": ["2026-01-31", "2026-01-31T08:00:00Z"],
                    },
                    "Only articles whose updated date is on or after this ISO "
                    "date or date-time (compared by date).",
                ),
                _page(ARTICLES_MAX_PAGE),
                _limit(ARTICLES_MAX_LIMIT, ARTICLES_DEFAULT_LIMIT),
            ),
            "ArticleList",
            cached=True,
        ),
        Operation(
            "/articles/{slug}",
            "article",
            "One published article; an old slug redirects to the current one.",
            (
                Param(
                    "slug",
                    {"type": "string", "minLength": 1},
                    "The article's slug (or an old one).",
                    "path",
                ),
            ),
            "Article",
            cached=True,
            redirects=True,
            missing=True,
        ),
        Operation(
            "/categories",
            "categories",
            "Categories with titles and article counts per language.",
            (),
            "CategoryList",
        ),
        Operation(
            "/reports/{name}",
            "report",
            "A report for staff (a bearer API token or the session cookie; an "
            "agent gets their own part): the columns and rows of its CSV export.",
            (
                Param(
                    "name",
                    {"type": "string", "enum": list(REPORT_NAMES)},
                    "overview, search, articles, public, team or tickets.",
                    "path",
                ),
                Param(
                    "lang",
                    {"type": "string", "enum": ["all", *LANGS]},
                    "Only this language (default all).",
                ),
                Param(
                    "days",
                    {"type": "string", "enum": ["7", "30", "90", "365"]},
                    "The last N days in KB_REPORT_TZ (default 30).",
                ),
                Param("start", {"type": "string", "format": "date"}, "First day."),
                Param("end", {"type": "string", "format": "date"}, "Last day."),
                Param(
                    "tab",
                    {"type": "string", "enum": ["zero", "noclick", "corrected", "top"]},
                    "The search report's list (default zero).",
                ),
            ),
            "Report",
            missing=True,
            staff=True,
        ),
        Operation(
            "/replies/draft",
            "draft_replies",
            "Three public replies for a customer's post (staff: a bearer API token, "
            "or the session cookie with its CSRF token in X-CSRFToken). The post "
            "is never stored.",
            (),
            "DraftResponse",
            staff=True,
            method="post",
            body="DraftRequest",
        ),
        Operation(
            "/openapi.json",
            "openapi",
            "This document.",
            (),
            "OpenAPI",
        ),
    )


def openapi_document(max_query_length: int) -> Schema:
    """The OpenAPI 3.1 document of /api/v1."""
    paths: dict[str, Schema] = {}
    for op in operations(max_query_length):
        paths.setdefault(API_PREFIX + op.path, {})[op.method] = op.openapi()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jawab knowledge base API",
            "version": "1",
            "license": {"name": "MIT", "identifier": "MIT"},
            "description": (
                "Public data is read-only JSON: every GET answers CORS requests "
                "from any origin (Access-Control-Allow-Origin: *). The unversioned "
                "paths "
                "/api/search, /api/suggest and /api/articles/{slug} are aliases of "
                "their /api/v1 operations. /api/v1/reports/{name} and "
                "/api/v1/replies/draft are for staff only: a personal bearer token "
                "or the staff session."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "schemas": {
                **COMPONENTS,
                "OpenAPI": {"type": "object", "description": "An OpenAPI document."},
                "Report": obj(
                    "A report: its period, language filter, columns and rows.",
                    {
                        "period": obj(
                            "Whole days in the report time zone.",
                            {"start": TEXT, "end": TEXT, "time_zone": TEXT},
                        ),
                        "lang": nullable(LANG),
                        "columns": {"type": "array", "items": TEXT},
                        "rows": {
                            "type": "array",
                            "items": {"type": "array"},
                            "description": (
                                "One array per row, in the order of columns. The "
                                "team report's last column, badges, is an array of "
                                "the badge keys the person earned in the period "
                                "(settled, articles, gaps, on_time; in the CSV, "
                                "space-separated)."
                            ),
                        },
                    },
                ),
            },
        },
    }


def document_json() -> str:
    """The document with the default settings, as JSON (linters, the docs site)."""
    import json

    from kb.config import defaults

    limit = defaults("instance")["MAX_QUERY_LENGTH"]
    return json.dumps(openapi_document(limit), indent=2, ensure_ascii=False)
