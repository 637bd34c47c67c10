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
