"""Public pages: home, search, categories, articles, sitemap, language switch."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from kb import i18n
from kb.cache import Cache
from kb.markdown import Heading
from kb.security import safe_next
from kb.services import health, next_steps, quick_answers, sharing
from kb.services.articles import Library
from kb.services.search import Hits, SearchRequest
from kb.storage import db
from kb.storage.articles import ArticleFile
from kb.views import params
from kb.views.context import library, search_service
from kb.views.insights import limits, tracking
from kb.views.public import bp
from kb.views.urls import absolute_url, article_url
from kb.vocab import LANGUAGES

LANG = "<any(id, en):lang>"
# Weak matches (no article holds the query's main concepts) are not answers:
# the page lists the closest few, with a link to the rest.
WEAK_SHOWN = 3


@bp.get("/")
def root() -> Response:
    """Send visitors to the home page in their language."""
    response = redirect(url_for("public.home", lang=i18n.preferred_lang()))
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/lang/<any(id, en):lang>")
def switch_language(lang: str) -> Response:
    """Remember the chosen language and go back to a page in it."""
    target = safe_next(
        params.next_target(request.args), url_for("public.home", lang=lang)
    )
    response = redirect(target)
    response.set_cookie(
        i18n.COOKIE,
        lang,
        max_age=i18n.COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["KB_ENV"] == "production",
    )
    return response


@bp.get(f"/{LANG}/")
def home(lang: str) -> str:
    """Search box, categories, most useful articles and a welcome."""
    lib = library()
    return render_template(
        "public/home.html",
        lang=lang,
        categories=lib.category_counts(lang),
        popular=lib.most_useful(lang),
        alternate=url_for("public.home", lang=i18n.other_lang(lang)),
    )


@dataclass(frozen=True)
class SearchPageArgs:
    """The search page's own arguments (the search itself: ``search_request``)."""

    # ``all`` searches every language; an unknown value means the page's language.
    language: str = params.arg(params.choice((*LANGUAGES, "all"), ""))
    # The query as typed, shown back when it was refused (too long, say).
    raw_q: str = params.arg(params.text(2000, squeeze=False), "q")
    # ``more=1``: every weak match, not only the closest few.
    more: bool = params.arg(params.flag)


@dataclass(frozen=True)
class ArticleArgs:
    """``?s=<anchor>`` previews one section of the article."""

    s: str = params.arg(params.text(200))


def _language_filter(lang: str, page: SearchPageArgs) -> str | None:
    if page.language == "all":
        return None
    return page.language or lang


@bp.get("/search")
def search_redirect() -> Response:
    """A search without a language: the visitor's language, same query."""
    query = request.query_string.decode()
    target = url_for("public.search", lang=i18n.preferred_lang())
    response = redirect(target + (f"?{query}" if query else ""))
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get(f"/{LANG}/search")
@limits.search_limit
def search(lang: str) -> tuple[str, int]:
    """Search results with snippets, filters and pagination."""
    lib = library()

    def page() -> _SearchPage:
        return _search_page(lang)

    if current_user.is_authenticated or current_app.jinja_env.auto_reload:
        found = page()
    else:
        # The page is a function of its URL (query, filters, page) and language;
        # the visit id (``v``) only links the search to its visit, so it is not
        # part of the key (else a visitor with JavaScript never hits the cache).
        args = params.cache_key(request.args, ignore=("v",))
        cache: Cache[_SearchPage] = current_app.extensions["jawab.search_pages"]
        found = cache.get_or_make((lang, str(get_locale()), args), page, version=lib)
    # Every search is recorded, cached page or not: the key is this request's.
    key = tracking.record_search(found.req, found.hits, "page", lang)
    attribute = f' data-search-key="{key}"' if key else ""
    return found.html.replace(SEARCH_KEY_SLOT, attribute, 1), found.status


# Where the rendered results list takes this request's search key (see search()).
SEARCH_KEY_SLOT = ' data-search-key="__search_key__"'


@dataclass(frozen=True)
class _SearchPage:
    """A rendered results page and what recording its search needs."""

    html: str
    status: int
    req: SearchRequest
    hits: Hits


def _search_page(lang: str) -> _SearchPage:
    """Render the results page (uncached), with a slot for the search key."""
    lib = library()
    page = params.parse(SearchPageArgs, request.args)
    language = _language_filter(lang, page)
    error = None
    try:
        req = params.search_request(
            request.args, current_app.config["MAX_QUERY_LENGTH"], lang=language
        )
    except params.ParamError as exc:  # shown beside the search box
        error = exc.message
        req = SearchRequest(q="", lang=language)
    hits = search_service().search(req, library())
    pages = max(1, math.ceil(hits.total / req.limit))
    # Above the first page only: a quick answer is the start of the results.
    answer = quick_answers.quick_answer(lib, hits, req.q) if req.page == 1 else None
    shown = hits.hits
    if hits.weak_match and req.page == 1 and not page.more:
        shown = hits.hits[:WEAK_SHOWN]
    likely = None
    if req.q and not hits.total:
        likely = next_steps.likely_category(lib, req.q, lang, req.category)
    html = render_template(
        "public/search.html",
        lang=lang,
        req=req,
        language=language or "all",
        hits=hits,
        answer=answer,
        shown=shown,
        more=hits.total - len(shown) if len(shown) < len(hits.hits) else 0,
        answer_article=lib.get(answer.slug) if answer else None,
        search_key_slot=SEARCH_KEY_SLOT,
        pages=pages,
        error=error,
        raw_q=page.raw_q,
        categories=lib.category_counts(req.lang or lang)
        if req.lang
        else lib.category_counts(lang),
        popular=next_steps.top_articles(lib, lang, likely) if not hits.total else [],
        likely=likely,
        category_titles={key: c.title(lang) for key, c in lib.categories.items()},
        alternate=url_for("public.search", lang=i18n.other_lang(lang), q=req.q),
        noindex=True,
    )
    return _SearchPage(html, 400 if error else 200, req, hits)


@bp.get(f"/{LANG}/categories/<key>")
def category(lang: str, key: str) -> str:
    """All published articles of one category in one language."""
    lib = library()
    found = lib.category(key)
    if found is None:
        abort(404)
    return render_template(
        "public/category.html",
        lang=lang,
        category=found,
        articles=lib.in_category(key, lang),
        categories=lib.category_counts(lang),
        alternate=url_for("public.category", lang=i18n.other_lang(lang), key=key),
    )


@bp.get(f"/{LANG}/articles/<slug>")
def article(lang: str, slug: str) -> Response | str:
    """One article: the canonical page agents link to."""
    lib = library()
    found = lib.get(slug) or lib.redirect_for(slug)
    if found is None:
        abort(404)
    if found.slug != slug or found.lang != lang:
        # Old slugs and wrong language prefixes answer with the canonical URL.
        query = request.query_string.decode()
        target = article_url(found.lang, found.slug) + (f"?{query}" if query else "")
        return redirect(target, 301)

    # ?s=<anchor> previews one section; an unknown anchor previews the article.
    section = sharing.resolve_anchor(
        params.parse(ArticleArgs, request.args).s,
        lib.rendered(found.slug).headings,
        found.anchors,
    )

    def page() -> str:
        return _article_page(lib, found, lang, section)

    if current_user.is_authenticated or current_app.jinja_env.auto_reload:
        return page()
    # The section is part of the page (its link preview), so part of the key.
    key = (found.slug, lang, str(get_locale()), section and section.anchor)
    cache: Cache[str] = current_app.extensions["jawab.pages"]
    return cache.get_or_make(key, page, version=lib)


def _article_page(
    lib: Library, found: ArticleFile, lang: str, section: Heading | None
) -> str:
    rendered = lib.rendered(found.slug)
    translation = lib.translation_of(found, i18n.other_lang(lang))
    category = lib.category(found.category) if found.category else None
    canonical = article_url(found.lang, found.slug, external=True)
    sections = [
        (
            heading,
            sharing.share_links(
                f"{found.title}{sharing.SEPARATOR}{heading.text}",
                sharing.section_url(canonical, heading.anchor),
            ),
        )
        for heading in rendered.headings
    ]
    return render_template(
        "public/article.html",
        lang=lang,
        article=found,
        body=rendered.html,
        toc=[h for h in rendered.headings if h.level <= 3],
        category=category,
        translation=translation,
        related=lib.related(found),
        canonical=canonical,
        preview=sharing.preview(
            found.title, found.summary, canonical, rendered.html, section
        ),
        share=sharing.share_links(found.title, canonical),
        sections=sections,
        alternate=(
            article_url(translation.lang, translation.slug)
            if translation
            else url_for("public.home", lang=i18n.other_lang(lang))
        ),
    )


@bp.get("/articles/<slug>")
def short_article(slug: str) -> Response:
    """Short link without a language: answers with the canonical URL."""
    lib = library()
    found = lib.get(slug) or lib.redirect_for(slug)
    if found is None:
        abort(404)
    return redirect(article_url(found.lang, found.slug), 301)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every public page with its last change, for search engines."""
    lib = library()
    entries: list[tuple[str, str | None]] = []
    for lang in LANGUAGES:
        entries.append((absolute_url("public.home", lang=lang), None))
        for item in lib.category_counts(lang):
            entries.append(
                (
                    absolute_url("public.category", lang=lang, key=item.category.key),
                    None,
                )
            )
    for found in sorted(lib.published.values(), key=lambda a: a.slug):
        entries.append(
            (
                article_url(found.lang, found.slug, external=True),
                found.updated.isoformat(),
            )
        )
    body = render_template("public/sitemap.xml", entries=entries)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Let crawlers in, point them to the sitemap, keep them off search pages."""
    lines = [
        "User-agent: *",
        "Disallow: /id/search",
        "Disallow: /en/search",
        "Disallow: /api/",
        f"Sitemap: {absolute_url('public.sitemap')}",
        "",
    ]
    response = make_response("\n".join(lines))
    response.mimetype = "text/plain"
    return response


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """For load balancers: ``ok`` while the database answers, else a 503.

    Status only: which dependency failed, and the counters, are on the admins'
    health page (a stranger learns nothing about the setup here).
    """
    ok = health.database_answers(db.session())
    response = jsonify(status="ok" if ok else "unavailable")
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
