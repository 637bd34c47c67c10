"""kb.reading on the development list of public posts (tests/data/posts.yml).

The held-out list (tests/data/posts_heldout.yml) is only checked for shape here:
its scores are reported by ``bench/bench_reading.py`` and never tuned against.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import frontmatter
import pytest
import yaml

from kb import reading
from kb.markdown import render
from kb.vocab import PLATFORMS

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLES = Path(__file__).resolve().parents[2] / "articles"
KINDS = set(reading.personal_data.KINDS)


def _posts(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / name).read_text("utf-8"))


DEV = _posts("posts.yml")
HELDOUT = _posts("posts_heldout.yml")


@cache
def _sections() -> dict[str, tuple[str, set[str]]]:
    """slug -> (language, the anchors of its headings)."""
    out = {}
    for path in ARTICLES.glob("*/*.md"):
        post = frontmatter.load(path)
        anchors = {h.anchor for h in render(post.content).headings}
        out[path.stem] = (str(post["lang"]), anchors)
    return out


@pytest.mark.parametrize("name", ["posts.yml", "posts_heldout.yml"])
def test_each_post_is_complete_and_points_at_a_real_section(name: str) -> None:
    posts = _posts(name)
    assert len(posts) >= (70 if name == "posts.yml" else 30)
    for number, post in enumerate(posts, 1):
        where = f"{name} post {number}"
        assert post["platform"] in PLATFORMS, where
        assert post["lang"] in ("id", "en"), where
        assert isinstance(post["complaint"], bool), where
        assert isinstance(post["heated"], bool), where
        assert set(post["personal_data"]) <= KINDS, where
        assert isinstance(post.get("thanks", False), bool), where
        if post.get("thanks"):
            # Thanks that neither asks nor complains: nothing to link.
            assert not post["complaint"] and post["article"] is None, where
        if post["article"] is None:
            assert post["section"] is None, where
            continue
        lang, anchors = _sections()[post["article"]]
        assert lang == post["lang"], where
        assert post["section"] is None or post["section"] in anchors, where


def test_the_lists_cover_every_category_both_languages_and_kinds() -> None:
    categories = {p.parent.name for p in ARTICLES.glob("*/*.md")}
    by_slug = {p.stem: p.parent.name for p in ARTICLES.glob("*/*.md")}
    covered = {by_slug[p["article"]] for p in DEV if p["article"]}
    assert covered == categories
    assert {p["lang"] for p in DEV} == {"id", "en"}
    assert {k for p in DEV for k in p["personal_data"]} == KINDS
    assert any(p["heated"] for p in DEV) and any(not p["complaint"] for p in DEV)
    # Thanks both ways, in both languages: posts that only thank or praise, and
    # questions and complaints that say "makasih" or "thanks" as well.
    assert {p["lang"] for p in DEV if p.get("thanks")} == {"id", "en"}
    thanked = re.compile(r"\b(makasih|trims|terima kasih|thanks?|thank you)\b", re.I)
    also = [p for p in DEV if not p.get("thanks") and thanked.search(p["post"])]
    assert {p["lang"] for p in also} == {"id", "en"}
    assert any(p["complaint"] for p in also) and any(not p["complaint"] for p in also)
    texts = [p["post"] for p in DEV]
    assert len(set(texts)) == len(texts)
    assert not set(texts) & {p["post"] for p in HELDOUT}


def _accuracy(field: str) -> tuple[float, list[str]]:
    wrong = []
    for post in DEV:
        got = getattr(reading.read(post["post"]), field)
        want = post.get(field, False)  # thanks is only written where true
        if got != want:
            wrong.append(f"{want} -> {got}: {post['post']}")
    return 1 - len(wrong) / len(DEV), wrong


@pytest.mark.parametrize("field", ["lang", "complaint", "heated", "thanks"])
def test_reading_the_development_list_is_at_least_90_percent_right(field: str) -> None:
    accuracy, wrong = _accuracy(field)
    assert accuracy >= 0.9, "\n".join(wrong)


def test_thanks_is_read_exactly_both_ways() -> None:
    # A question or complaint answered with a bare "thank you" helps nobody,
    # and a thank-you answered with an article reads like a bot: no miss either way.
    _, wrong = _accuracy("thanks")
    assert wrong == []


def test_mixed_posts_are_recognised() -> None:
    mixed = [p["post"] for p in DEV if p.get("mixed")]
    assert mixed and all(reading.read(text).mixed for text in mixed)
    plain = [p["post"] for p in DEV if not p.get("mixed")]
    assert sum(reading.read(text).mixed for text in plain) <= len(plain) * 0.1


@pytest.mark.parametrize("post", DEV, ids=[f"dev{i}" for i in range(1, len(DEV) + 1)])
def test_personal_data_in_each_post_is_found_exactly(post: dict[str, Any]) -> None:
    r = reading.read(post["post"])
    assert sorted(r.personal_data) == sorted(post["personal_data"])
    assert r.private == (r.heated or bool(r.personal_data))
