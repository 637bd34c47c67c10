"""The published knowledge base: articles by slug, categories, translations.

A :class:`Library` is one immutable *content version* built from the articles
folder. It renders each article at most once (lazily), so a page view never
re-runs Markdown. :class:`ContentStore` swaps in a new library when files change.

An article over the Markdown limits never enters a library (it is reported as a
problem at its line, like a YAML error); one that still fails to render is
logged and answers as not found, and the search index skips it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.markdown import ArticleLink, Heading, Rendered, check_limits, render
from kb.storage import articles as files
from kb.storage.articles import ArticleFile, Category, Problem
from kb.storage.parse_cache import ParseCache, cache_file
from kb.storage.synonyms import Synonyms
from kb.storage.synonyms import parse as parse_synonyms
from kb.translatable import N_

log = logging.getLogger(__name__)
# A problem's text before it is filled in: a template (``N_``) and its params.
_Text = tuple[str, dict[str, str]]
_UNKNOWN_ANCHOR = N_("link to unknown anchor '#%(anchor)s'")
_UNKNOWN_CATEGORY = N_("unknown category '%(category)s' (add it to %(file)s)")
_TRANSLATION_TAKEN = N_(
    "translation '%(group)s' already has a '%(lang)s' article (%(other)s)"
)
_RENDER_FAILED = N_("could not render: %(error)s")
_LINK = re.compile(r"\]\(([a-z0-9][a-z0-9_-]*)(?:#[^)\s]*)?\)")


def default_url(lang: str, slug: str) -> str:
    """The path of an article page (used outside a request)."""
    return f"/{lang}/articles/{slug}"


@dataclass(frozen=True)
class CategoryCount:
    """A category with how many published articles it has in one language."""

    category: Category
    count: int


class ArticleUnavailable(LookupError):
    """The article could not be rendered; it is served as not found."""


class Library:
    """One content version of the knowledge base."""

    def __init__(
        self,
        articles: list[ArticleFile],
        categories: dict[str, Category],
        problems: list[Problem],
        synonyms: Synonyms | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        # What was read from the folder, kept to rebuild this version for a
        # later moment (:meth:`at`) without reading a file again.
        self._files = (list(articles), categories, list(problems), synonyms)
        self.now = now or dt.datetime.now(dt.UTC)
        self.all: dict[str, ArticleFile] = {}
        self.synonyms = synonyms or Synonyms()
        self.problems = list(problems)
        self.categories = categories
        for article in articles:
            if article.slug in self.all:
                first = self.all[article.slug]
                self.problems.append(
                    Problem.of(
                        article.path,
                        article.lines.get("slug", 1),
                        N_("duplicate slug '%(slug)s' (also %(other)s)"),
                        slug=article.slug,
                        other=first.path,
                    )
                )
                continue
            self.all[article.slug] = article
        # `publish_at:` in the future keeps a published article a draft
        # everywhere (pages, search, lists, API) until that moment.
        self.published = {s: a for s, a in self.all.items() if a.public_at(self.now)}
        self.scheduled = {
            s: a for s, a in self.all.items() if a.published and s not in self.published
        }
        moments = [a.scheduled_for() for a in self.scheduled.values()]
        # The next moment this version goes stale: the store rebuilds it then.
        self.next_publish: dt.datetime | None = min(
            (m for m in moments if m is not None), default=None
        )
        self.aliases: dict[str, str] = {}
        self.translations: dict[str, dict[str, str]] = {}
        self._check_aliases()
        self._check_translations()
        self._check_categories()
        self.inbound = Counter(
            target
            for a in self.published.values()
            for target in set(_LINK.findall(a.body))
            if target in self.published and target != a.slug
        )
        self._rendered: dict[str, Rendered] = {}
        self._failed: dict[str, Problem] = {}
        self._render_lock = threading.Lock()
        # Articles this version rendered (its cache misses): a search must add
        # none (tests/search/test_quick_answers.py; bench_speed's first pass).
        self.renders = 0
        # Derived lists are computed once per content version: on a large help
        # center, sorting every article on each page view was most of its cost.
        self._by_lang: dict[str, list[ArticleFile]] = {}
        self._related: dict[str, list[ArticleFile]] = {}
        self._sharing: dict[
            str, dict[tuple[str, str], list[tuple[int, ArticleFile]]]
        ] = {}
        self._counts: dict[str, list[CategoryCount]] = {}
        self._useful: dict[str, list[ArticleFile]] = {}
        self._used_categories = {a.category for a in self.published.values()}

    def at(self, now: dt.datetime) -> Library:
        """This content version as it stands at ``now`` (scheduled articles due)."""
        articles, categories, problems, synonyms = self._files
        return Library(articles, categories, problems, synonyms, now=now)

    # -- cross-file checks -------------------------------------------------
    def _check_aliases(self) -> None:
        for article in self.all.values():
            for alias in article.aliases:
                line = article.lines.get("aliases", 1)
                if alias in self.all:
                    self.problems.append(
                        Problem.of(
                            article.path,
                            line,
                            N_("alias '%(alias)s' is the slug of %(other)s"),
                            alias=alias,
                            other=self.all[alias].path,
                        )
                    )
                elif alias in self.aliases:
                    other = self.all[self.aliases[alias]].path
                    self.problems.append(
                        Problem.of(
                            article.path,
                            line,
                            N_("duplicate alias '%(alias)s' (also in %(other)s)"),
                            alias=alias,
                            other=other,
                        )
                    )
                else:
                    self.aliases[alias] = article.slug
        self.aliases = {a: s for a, s in self.aliases.items() if s in self.published}

    def _check_translations(self) -> None:
        for article in self.published.values():
            if not article.translation:
                continue
            group = self.translations.setdefault(article.translation, {})
            if article.lang in group:
                other = self.published[group[article.lang]].path
                self.problems.append(
                    Problem.of(
                        article.path,
                        article.lines.get("translation", 1),
                        _TRANSLATION_TAKEN,
                        group=article.translation,
                        lang=article.lang,
                        other=other,
                    )
                )
                continue
            group[article.lang] = article.slug

    def _check_categories(self) -> None:
        if not self.categories:
            return
        for article in self.all.values():
            if article.category and article.category not in self.categories:
                self.problems.append(
                    Problem.of(
                        article.path,
                        article.lines.get("category", 1),
                        _UNKNOWN_CATEGORY,
                        category=article.category,
                        file=files.CATEGORIES_FILE,
                    )
                )

    def anchors(self, article: ArticleFile) -> set[str]:
        """Every anchor a link may use: headings' ids and declared old anchors."""
        headings = {h.anchor for h in self.headings(article.slug)}
        return headings | set(article.anchors)

    def headings(self, slug: str) -> tuple[Heading, ...]:
        """The article's sections; none when it could not be rendered (logged)."""
        try:
            return self.rendered(slug).headings
        except ArticleUnavailable:
            return ()

    def link_problems(self) -> list[Problem]:
        """Render every article and report links to unknown articles or anchors."""
        problems: list[Problem] = []
        for article in self.all.values():
            try:
                rendered = self.rendered(article.slug)
            except ArticleUnavailable:
                problems.append(self._failed[article.slug])
                continue
            headings = {h.anchor for h in rendered.headings}
            line = article.lines.get("anchors", 1)
            for old, new in article.anchors.items():
                if new not in headings:
                    template = N_(
                        "old anchor '%(old)s' points to '#%(new)s', which no "
                        "heading has"
                    )
                    problems.append(
                        Problem.of(article.path, line, template, old=old, new=new)
                    )
                if old in headings:
                    template = N_("old anchor '%(old)s' is still a heading's anchor")
                    problems.append(Problem.of(article.path, line, template, old=old))
            for link in rendered.links:
                link_problem = self._link_problem(article, link)
                if link_problem:
                    line = _line_of(article, link.written)
                    template, params = link_problem
                    problems.append(Problem.of(article.path, line, template, **params))
        return problems

    def _link_problem(self, article: ArticleFile, link: ArticleLink) -> _Text | None:
        """What is wrong with one link: a template and its params, or ``None``."""
        if link.slug is None:
            if link.anchor not in self.anchors(article):
                return _UNKNOWN_ANCHOR, {"anchor": str(link.anchor)}
            return None
        target = self.resolve(link.slug)
        if target is None:
            return N_("link to unknown article '%(slug)s'"), {"slug": link.slug}
        if not target.published and article.published:
            return N_("link to draft article '%(slug)s'"), {"slug": link.slug}
        if link.slug in self.scheduled and article.published:
            moment = self.scheduled[link.slug].scheduled_for()
            own = article.scheduled_for()
            if moment is not None and (own is None or own < moment):
                template = N_(
                    "link to article '%(slug)s' that is not public until "
                    "%(when)s UTC (publish_at)"
                )
                return template, {"slug": link.slug, "when": f"{moment:%Y-%m-%d %H:%M}"}
        if link.anchor and link.anchor not in self.anchors(target):
            template = N_("link to unknown anchor '#%(anchor)s' in '%(slug)s'")
            return template, {"anchor": link.anchor, "slug": target.slug}
        if link.slug != target.slug:
            template = N_("link uses old slug '%(old)s'; use '%(slug)s'")
            return template, {"old": link.slug, "slug": target.slug}
        return None

    def draft_problems(self, article: ArticleFile) -> list[Problem]:
        """What ``kb check`` would report about ``article`` if it joined this version.

        ``article`` replaces the file at its path (or is new); the checks are
        the cross-file ones (slug, aliases, translation, category) and its
        links and anchors, each at its line. Nothing is written.
        """
        problems: list[Problem] = []

        def add(line: int, template: str, **params: object) -> None:
            problems.append(Problem.of(article.path, line, template, **params))

        same = self.all.get(article.slug)
        if same is not None and same.path != article.path:
            add(
                article.lines.get("slug", 1),
                N_("duplicate slug '%(slug)s' (also %(other)s)"),
                slug=article.slug,
                other=same.path,
            )
        if article.slug in self.aliases and (
            self.all[self.aliases[article.slug]].path != article.path
        ):
            owner = self.all[self.aliases[article.slug]].path
            add(
                article.lines.get("slug", 1),
                N_("slug is an alias in %(other)s"),
                other=owner,
            )
        for alias in article.aliases:
            other = self.all.get(alias) or self.all.get(self.aliases.get(alias, ""))
            if other is not None and other.path != article.path:
                add(
                    article.lines.get("aliases", 1),
                    N_("alias '%(alias)s' is already used by %(other)s"),
                    alias=alias,
                    other=other.path,
                )
        if article.translation and article.published:
            group = self.translations.get(article.translation, {})
            other_slug = group.get(article.lang)
            if other_slug and self.all[other_slug].path != article.path:
                add(
                    article.lines.get("translation", 1),
                    _TRANSLATION_TAKEN,
                    group=article.translation,
                    lang=article.lang,
                    other=self.all[other_slug].path,
                )
        if self.categories and article.category not in self.categories:
            if article.category:
                add(
                    article.lines.get("category", 1),
                    _UNKNOWN_CATEGORY,
                    category=article.category,
                    file=files.CATEGORIES_FILE,
                )
        try:
            rendered = render(
                article.body, lang=article.lang, old_anchors=article.anchors
            )
        except Exception as exc:  # noqa: BLE001 - reported like kb check does
            add(
                article.body_line,
                _RENDER_FAILED,
                error=f"{type(exc).__name__}: {exc}",
            )
            return problems
        own = {h.anchor for h in rendered.headings} | set(article.anchors)
        for link in rendered.links:
            found: _Text | None = None
            if link.slug is None or link.slug == article.slug:
                if link.anchor and link.anchor not in own:
                    found = _UNKNOWN_ANCHOR, {"anchor": link.anchor}
            else:
                found = self._link_problem(article, link)
            if found:
                add(_line_of(article, link.written), found[0], **found[1])
        return problems

    # -- lookups -----------------------------------------------------------
    def get(self, slug: str) -> ArticleFile | None:
        """A published article by its current slug."""
        return self.published.get(slug)

    def resolve(self, slug: str) -> ArticleFile | None:
        """Any article (draft too) by slug or alias, for link checking."""
        return self.all.get(slug) or self.all.get(self.aliases.get(slug, ""))

    def redirect_for(self, slug: str) -> ArticleFile | None:
        """The published article an old slug (alias) now lives at."""
        current = self.aliases.get(slug)
        return self.published.get(current) if current else None

    def in_lang(self, lang: str) -> list[ArticleFile]:
        """Published articles in one language, by title."""
        found = self._by_lang.get(lang)
        if found is None:
            found = sorted(
                (a for a in self.published.values() if a.lang == lang),
                key=lambda a: a.title.lower(),
            )
            self._by_lang[lang] = found
        return list(found)

    def translation_of(self, article: ArticleFile, lang: str) -> ArticleFile | None:
        """The same answer in another language, if it exists."""
        if not article.translation:
            return None
        slug = self.translations.get(article.translation, {}).get(lang)
        return self.published.get(slug) if slug else None

    def category_counts(self, lang: str) -> list[CategoryCount]:
        """Categories that have published articles in ``lang``, in display order."""
        cached = self._counts.get(lang)
        if cached is None:
            cached = self._counts[lang] = self._category_counts(lang)
        return list(cached)

    def _category_counts(self, lang: str) -> list[CategoryCount]:
        counts = Counter(a.category for a in self.in_lang(lang) if a.category)
        known = dict(self.categories)
        for key in counts:
            known.setdefault(key, Category(key, 999, {}, {}))
        ordered = sorted(known.values(), key=lambda c: (c.order, c.key))
        return [CategoryCount(c, counts[c.key]) for c in ordered if counts[c.key]]

    def listed(
        self,
        lang: str | None = None,
        category: str | None = None,
        since: dt.date | None = None,
    ) -> list[ArticleFile]:
        """Published articles matching the filters, newest ``updated`` first."""
        chosen = [
            a
            for a in self.published.values()
            if (lang is None or a.lang == lang)
            and (category is None or a.category == category)
            and (since is None or a.updated >= since)
        ]
        return sorted(chosen, key=lambda a: (-a.updated.toordinal(), a.slug))

    def category(self, key: str) -> Category | None:
        """A category that has at least one published article."""
        if key in self.categories:
            return self.categories[key]
        if key in self._used_categories:
            return Category(key, 999, {}, {})
        return None

    def in_category(self, key: str, lang: str) -> list[ArticleFile]:
        """Published articles of one category in one language."""
        return [a for a in self.in_lang(lang) if a.category == key]

    def most_useful(self, lang: str, limit: int = 6) -> list[ArticleFile]:
        """The articles other articles point to most, then the freshest."""
        key = f"{lang}:{limit}"
        cached = self._useful.get(key)
        if cached is None:
            cached = self._useful[key] = sorted(
                self.in_lang(lang),
                key=lambda a: (-self.inbound[a.slug], -a.updated.toordinal(), a.title),
            )[:limit]
        return list(cached)

    def related(self, article: ArticleFile, limit: int = 5) -> list[ArticleFile]:
        """Same-language articles sharing tags or category with ``article``."""
        key = f"{article.slug}:{limit}"
        cached = self._related.get(key)
        if cached is None:
            cached = self._related[key] = self._find_related(article, limit)
        return list(cached)

    def _find_related(self, article: ArticleFile, limit: int) -> list[ArticleFile]:
        tags = set(article.tags)

        def score(other: ArticleFile) -> int:
            return 2 * len(tags & set(other.tags)) + (
                other.category == article.category
            )

        # Only articles sharing a tag or the category can score: scoring every
        # article of the language was ~30 ms a first view on 10,000 articles.
        sharing = self._sharing_lists(article.lang)
        keys = [("tag", tag) for tag in tags] + [("category", article.category)]
        candidates = {
            position: other
            for key in keys
            for position, other in sharing.get(key, ())
            if other.slug != article.slug
        }
        # By score, then title, then the language's title order (as before).
        scored = sorted(
            (-score(other), other.title, position, other)
            for position, other in candidates.items()
        )
        return [other for s, _title, _pos, other in scored if s < 0][:limit]

    def _sharing_lists(
        self, lang: str
    ) -> dict[tuple[str, str], list[tuple[int, ArticleFile]]]:
        """Articles of ``lang`` by each tag and category (with their title order)."""
        found = self._sharing.get(lang)
        if found is None:
            found = {}
            for position, other in enumerate(self.in_lang(lang)):
                for key in {("tag", tag) for tag in other.tags} | {
                    ("category", other.category)
                }:
                    found.setdefault(key, []).append((position, other))
            self._sharing[lang] = found
        return found

    # -- rendering ---------------------------------------------------------
    def rendered(self, slug: str) -> Rendered:
        """The article's sanitized HTML, rendered once per content version.

        Raises :class:`ArticleUnavailable` when rendering failed (logged once).
        """
        cached = self._rendered.get(slug)
        if cached is not None:
            return cached
        if slug in self._failed:
            raise ArticleUnavailable(slug)
        article = self.all[slug]

        def resolve(target_slug: str) -> str:
            target = self.published.get(target_slug) or self.redirect_for(target_slug)
            if target is None:
                return default_url(article.lang, target_slug)
            return default_url(target.lang, target.slug)

        try:
            result = render(
                article.body,
                lang=article.lang,
                resolve=resolve,
                old_anchors=article.anchors,
            )
        except Exception as exc:  # noqa: BLE001 - RecursionError too: skip this one
            error = f"{type(exc).__name__}: {exc}"
            problem = Problem.of(
                article.path, article.body_line, _RENDER_FAILED, error=error
            )
            # Long exception text is cut, as kb check has always printed it.
            problem = dataclasses.replace(problem, message=problem.message[:500])
            log.error("article skipped: %s", problem)
            with self._render_lock:
                self._failed[slug] = problem
            raise ArticleUnavailable(slug) from exc
        with self._render_lock:
            self._rendered[slug] = result
            self.renders += 1
        return result


def _line_of(article: ArticleFile, written: str) -> int:
    """The file line on which a link target was written (best effort)."""
    needle = f"({written}"
    for offset, line in enumerate(article.body.splitlines()):
        if needle in line or f'"{written}"' in line:
            return article.body_line + offset
    return article.body_line


def parse_checked(path: Path, root: Path) -> tuple[ArticleFile | None, list[Problem]]:
    """Parse one article and check its body against the Markdown limits.

    An article over a limit yields ``None`` with a problem per limit, at the
    file line where the offending text starts; the result is cached with the
    parse, so the check runs once per change of the file.
    """
    return _with_limits(*files.parse_article(path, root))


def parse_checked_text(
    raw: bytes, rel: str
) -> tuple[ArticleFile | None, list[Problem]]:
    """:func:`parse_checked` for text not written yet (an editor's draft)."""
    return _with_limits(*files.parse_bytes(raw, rel))


def _with_limits(
    article: ArticleFile | None, problems: list[Problem]
) -> tuple[ArticleFile | None, list[Problem]]:
    if article is None:
        return article, problems
    over = [
        Problem.of(
            article.path,
            1 if p.kind == "size" else article.body_line + p.line - 1,
            p.template,
            **p.params,
        )
        for p in check_limits(article.body)
    ]
    return (None, [*problems, *over]) if over else (article, problems)


def load(
    root: Path, cache_dir: Path | None = None, now: dt.datetime | None = None
) -> Library:
    """Parse every article under ``root`` into a new :class:`Library`.

    With ``cache_dir``, files unchanged since the last load are not re-parsed.
    ``now`` decides which ``publish_at:`` articles are public (default: now).
    """
    problems: list[Problem] = []
    parsed: list[ArticleFile] = []
    if not root.is_dir():
        problems.append(Problem.of(str(root), 1, N_("articles folder does not exist")))
        return Library([], {}, problems)
    categories, category_problems = files.parse_categories(root)
    problems.extend(category_problems)
    synonyms, synonym_problems = parse_synonyms(root)
    problems.extend(synonym_problems)
    cache = ParseCache(cache_file(cache_dir, root) if cache_dir else None)
    for path in files.article_paths(root):
        article, found = cache.parse(path, lambda p: parse_checked(p, root))
        problems.extend(found)
        if article is not None:
            parsed.append(article)
    cache.save()
    return Library(parsed, categories, problems, synonyms, now=now)


class ContentStore:
    """Holds the current :class:`Library`, reloading it when files change."""

    def __init__(
        self,
        root: Path,
        reload_seconds: float,
        cache_dir: Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.root = root
        # The wall clock deciding when `publish_at:` articles go public
        # (tests move it); the reload interval uses the monotonic one.
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.cache_dir = cache_dir
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._library: Library | None = None
        self._fingerprint: tuple[int, int, int] | None = None
        self._checked = 0.0
        self._checking = False

    def library(self) -> Library:
        """The current content version (re-scanned at most every few seconds)."""
        now = time.monotonic()
        if self._library is not None and now - self._checked < self.reload_seconds:
            return self._library
        if self._library is not None and self.reload_seconds > 0:
            # Scanning 10,000 files takes ~100 ms: requests keep the current
            # version while one background thread looks for changes.
            self._check_in_background()
            return self._library
        return self._check()

    def reload(self) -> Library:
        """Look at the folder now (after a publish), not at the next interval.

        Unchanged files come from the parse cache, so this costs one scan of
        the folder plus parsing the changed files.
        """
        with self._lock:
            self._checked = float("-inf")
        return self._check()

    def _check_in_background(self) -> None:
        # Never wait: the lock is held for a whole scan (and load).
        if self._checking or not self._lock.acquire(blocking=False):
            return
        try:
            if self._checking:
                return
            self._checking = True
        finally:
            self._lock.release()
        thread = threading.Thread(target=self._check_then_release, name="jawab-content")
        thread.daemon = True
        thread.start()

    def _check_then_release(self) -> None:
        try:
            self._check()
        except Exception:  # noqa: BLE001 - keep serving the current version
            log.exception("checking the articles folder failed")
        finally:
            self._checking = False

    def _check(self) -> Library:
        with self._lock:
            now = time.monotonic()
            if self._library is None or now - self._checked >= self.reload_seconds:
                current = files.fingerprint(self.root)
                if self._library is None or current != self._fingerprint:
                    self._library = load(self.root, self.cache_dir, self.clock())
                    self._fingerprint = current
                    for problem in self._library.problems:
                        log.warning("article problem: %s", problem)
                else:
                    self._library = self._due(self._library)
                self._checked = now
        return self._library

    def _due(self, library: Library) -> Library:
        """A new version when a `publish_at:` moment has passed (no file read)."""
        moment = library.next_publish
        if moment is None:
            return library
        wall = self.clock()
        if wall < moment:
            return library
        log.info("scheduled article(s) now public (publish_at %s)", moment)
        return library.at(wall)


def index_documents(library: Library, slugs: set[str] | None) -> Iterator:
    """Index documents for the given published slugs (all when ``None``)."""
    from kb.storage.search_index import IndexDocument

    chosen: Iterable[ArticleFile] = (
        library.published.values()
        if slugs is None
        else (library.published[s] for s in sorted(slugs))
    )
    for article in chosen:
        try:
            rendered = library.rendered(article.slug)
        except ArticleUnavailable:
            continue  # logged by rendered(); the other articles still index
        yield IndexDocument(
            slug=article.slug,
            lang=article.lang,
            category=article.category,
            title=article.title,
            summary=article.summary,
            tags=article.tags,
            headings=tuple(h.text for h in rendered.headings),
            body=rendered.text,
            content_hash=article.content_hash,
            sections=tuple(
                (s.anchor, s.heading, s.text, s.rows) for s in rendered.sections
            ),
        )
