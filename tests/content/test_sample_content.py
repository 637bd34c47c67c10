"""The sample help center that ships in articles/ is complete and clean."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from kb.services.articles import load

ARTICLES = Path(__file__).resolve().parents[2] / "articles"


def test_sample_articles_pass_every_check() -> None:
    library = load(ARTICLES)
    problems = [str(p) for p in [*library.problems, *library.link_problems()]]
    assert problems == []


def test_sample_articles_cover_a_real_help_center() -> None:
    library = load(ARTICLES)
    published = list(library.published.values())
    assert len(published) >= 40
    langs = Counter(a.lang for a in published)
    assert min(langs["id"], langs["en"]) >= 0.4 * len(published)
    assert len({a.category for a in published}) >= 6
    paired = [
        a
        for a in published
        if library.translation_of(a, "en" if a.lang == "id" else "id")
    ]
    assert len(paired) > len(published) / 2
    assert any(not a.published for a in library.all.values())  # a draft to preview


def _related_by_scoring_everything(library, article, limit: int = 5) -> list[str]:
    """What "Related articles" listed before: every article of the language scored."""
    tags = set(article.tags)
    scored = sorted(
        (
            (2 * len(tags & set(o.tags)) + (o.category == article.category), o.title, o)
            for o in library.in_lang(article.lang)
            if o.slug != article.slug
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return [o.slug for s, _, o in scored if s > 0][:limit]


def test_related_articles_are_those_scoring_every_article_gives(tmp_path) -> None:
    from bench.corpus import generate

    generate(tmp_path / "generated", 300)
    for folder in (ARTICLES, tmp_path / "generated"):
        library = load(folder)
        for article in library.published.values():
            expected = _related_by_scoring_everything(library, article)
            assert [a.slug for a in library.related(article)] == expected
