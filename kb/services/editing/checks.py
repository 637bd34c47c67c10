"""A draft checked exactly as ``kb check`` checks the file it becomes, and previewed.

Each problem is placed at the form field or the body line it is about, so the
editor shows it where it is; the preview is the production renderer's HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kb.markdown import render
from kb.services.articles import Library, default_url, parse_checked_text
from kb.services.editing.fields import Fields
from kb.storage.articles import ArticleFile, Problem
from kb.translatable import N_

FILE_EXISTS = N_("a file already exists at %(path)s")


@dataclass(frozen=True)
class Check:
    """What ``kb check`` says about a draft: each problem at a field or body line."""

    article: ArticleFile | None
    problems: tuple[Problem, ...]
    # field name → problems; body line (1-based, in the body text) → problems
    by_field: dict[str, list[Problem]]
    by_line: dict[int, list[Problem]]

    @property
    def ok(self) -> bool:
        """True when the draft could be published as it is."""
        return not self.problems


def check(library: Library, fields: Fields, rel: str, *, new: bool = False) -> Check:
    """Run the ``kb check`` validator on the file ``fields`` would become.

    ``new``: the draft is a new article, so a file at ``rel`` is a clash.
    """
    text = fields.to_text(dt.datetime.now(dt.UTC).date())
    article, problems = parse_checked_text(text.encode("utf-8"), rel)
    found = list(problems)
    if article is not None:
        found.extend(library.draft_problems(article))
        existing = next((a for a in library.all.values() if a.path == rel), None)
        if new and existing is not None:
            found.append(
                Problem.of(rel, article.lines.get("slug", 1), FILE_EXISTS, path=rel)
            )
        elif (
            existing is not None
            and existing.slug != article.slug
            and library.inbound[existing.slug]
            and existing.slug not in article.aliases
        ):
            # A new slug would break every link to the old one: keep it as an alias.
            found.append(
                Problem.of(
                    rel,
                    article.lines.get("slug", 1),
                    N_(
                        "%(count)s article(s) link to '%(slug)s': add it to the old "
                        "slugs (aliases)"
                    ),
                    count=library.inbound[existing.slug],
                    slug=existing.slug,
                )
            )
    by_field: dict[str, list[Problem]] = {}
    by_line: dict[int, list[Problem]] = {}
    body_start = text.count("\n", 0, text.index("\n---\n", 3) + 5) + 2
    lines = article.lines if article else {}
    field_of = {line: name for name, line in lines.items()}
    for problem in found:
        if problem.line >= body_start and article is not None:
            by_line.setdefault(problem.line - body_start + 1, []).append(problem)
        else:
            name = field_of.get(problem.line, "")
            if name in ("tags", "aliases", "slug", "category", "translation"):
                by_field.setdefault(name, []).append(problem)
            else:
                by_field.setdefault("", []).append(problem)
    return Check(article, tuple(found), by_field, by_line)


@dataclass(frozen=True)
class Preview:
    """A draft's body rendered by the production renderer, with its problems."""

    html: str
    check: Check


def preview(
    library: Library, fields: Fields, rel: str, *, new: bool = False
) -> Preview:
    """Render a draft as its page would show it, and check it."""
    result = check(library, fields, rel, new=new)
    html = ""
    if result.article is not None:

        def resolve(slug: str) -> str:
            target = library.published.get(slug) or library.redirect_for(slug)
            return default_url(target.lang if target else fields.lang, slug)

        try:
            html = render(
                result.article.body,
                lang=fields.lang,
                resolve=resolve,
                old_anchors=result.article.anchors,
            ).html
        except Exception:  # noqa: BLE001 - already reported by check()
            html = ""
    return Preview(html, result)
