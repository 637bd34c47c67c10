"""Drafting from posts over the sample help center (articles/), issue 21.

- The development list (tests/data/posts.yml) through the whole drafting: the
  article and section it picks, at the rate it really reaches (the held-out
  list, tests/data/posts_heldout.yml, is measured by bench/bench_reply.py and
  never asserted here, so nothing is tuned to it).
- Properties over every sample article × platform × tone × kind of post: every
  reply within its platform's limit, no digit run, email or @handle from the
  post in any reply, no "!" in a reply to a complaint.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import create_app
from kb.services import composer, drafting
from kb.services.search import update_index
from kb.storage import db
from kb.vocab import PLATFORMS

PROJECT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((PROJECT / "tests" / "data" / "posts.yml").read_text())
LINKS = drafting.Links(
    short=lambda slug, lang, anchor, code: f"https://help.tokorona.example/s/{code}",
    handoff=lambda slug: (
        "https://help.tokorona.example/contact?"
        + (f"article={slug}&" if slug else "")
        + "platform=x"
    ),
)
# Kinds of post: (post, is it a complaint); the personal data is invented.
KINDS = {
    "question": "kak cara bayar pakai gopay gimana ya?",
    "complaint": "udah 5 hari paket belum sampai juga, kecewa banget",
    "heated-with-data": (
        "WOI PARAH!!! no pesanan 2411889900 belum dikirim, hp 081234567890, "
        "email budi.s@mail.example @budi_santoso"
    ),
    "question-with-data": (
        "Hi, my account email is siti.rahma88@mail.example and order 2611223344, "
        "how do I change my address? @siti_r"
    ),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory, sqlite_template: Path) -> Iterator[Flask]:
    """One app over the sample help center for the module (nothing here writes)."""
    root = tmp_path_factory.mktemp("drafting-sample")
    shutil.copytree(PROJECT / "articles", root / "articles")
    shutil.copyfile(sqlite_template, root / "kb.sqlite3")
    with pytest.MonkeyPatch.context() as env:
        for name in ("KB_ENV", "KB_BASE_URL", "KB_DEFAULT_LANG", "KB_SEMANTIC"):
            env.delenv(name, raising=False)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "ARTICLES_DIR": str(root / "articles"),
                "SEARCH_INDEX_DIR": str(root / "search_index"),
                "DATABASE_URL": f"sqlite:///{root / 'kb.sqlite3'}",
                "RELOAD_SECONDS": 0,
            }
        )
    with app.app_context():
        update_index(app.extensions["jawab.content"], root / "search_index")
    yield app
    app.extensions["jawab.search"].searcher.close()
    app.extensions["jawab.db"].dispose()


def _draft(app: Flask, post: str, platform: str, **choice) -> drafting.Draft:
    return drafting.draft(
        db.session(),
        app.extensions["jawab.search"],
        app.extensions["jawab.content"].library(),
        drafting.DraftRequest(post=post, platform=platform, **choice),
        LINKS,
    )


def test_the_development_posts_find_their_article_and_section(sample) -> None:
    answerable = [p for p in DEV if p.get("article")]
    assert len(answerable) >= 60
    articles = sections = 0
    with sample.test_request_context():
        for post in answerable:
            found = _draft(sample, post["post"], post["platform"])
            # The reply speaks the post's language, so its article is the one
            # the list names (in that language).
            if found.article and found.article.slug == post["article"]:
                articles += 1
                anchor = found.section.anchor if found.section else None
                sections += anchor == post.get("section")
            for reply in found.replies:
                assert not reply.over, (post["post"], reply.text)
    # Measured on the development list (bench/bench_reply.py prints both lists):
    # 60 of 84 articles and 29 of 84 sections when this was written; search
    # improvements (issue 21, candidates) raise them.
    assert articles / len(answerable) >= 0.68, articles
    assert sections / len(answerable) >= 0.33, sections


def _digit_runs(text: str) -> set[str]:
    return set(re.findall(r"\d{4,}", text))


def _check(found: drafting.Draft, post: str) -> None:
    avoid = drafting.avoided(post)
    for reply in found.replies:
        where = (post, found.platform, found.tone, reply.key, reply.text)
        assert reply.length == composer.count(reply.text, found.platform), where
        assert not reply.over, where
        assert not drafting.repeats(reply.text, avoid), where
        for run in _digit_runs(post):
            assert run not in reply.text, where
        for handle in re.findall(r"(?<![\w.])@\w+", post):
            assert handle not in reply.text, where
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", post):
            assert email not in reply.text, where
        if found.reading.complaint:
            assert "!" not in reply.text, where


def test_every_article_platform_tone_and_kind_fits_and_repeats_nothing(
    sample,
) -> None:
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        articles = [a for lang in ("id", "en") for a in library.in_lang(lang)]
        assert len(articles) >= 60
        for article in articles:
            for platform in PLATFORMS:
                for tone in composer.TONES:
                    for post in KINDS.values():
                        slug, lang = article.slug, article.lang
                        found = _draft(
                            sample, post, platform, tone=tone, article=slug, lang=lang
                        )
                        assert found.article and found.article.slug == slug
                        assert len(found.replies) == 3
                        _check(found, post)


_WORDS = st.sampled_from(
    [
        "paket",
        "belum",
        "sampai",
        "refund",
        "kecewa",
        "parah",
        "gimana",
        "order",
        "cancel",
        "why",
        "udah",
        "seminggu",
        "OTP",
        "saldo",
        "ronapay",
        "voucher",
        "retur",
        "!!",
        "??",
        "😡",
        "🙏",
    ]
)
_DATA = st.one_of(
    st.from_regex(r"08[1-9][0-9]{7,10}", fullmatch=True),
    st.from_regex(r"(no pesanan|order|resi|rek) [0-9]{8,14}", fullmatch=True),
    st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}[0-9]{0,3}@mail\.example", fullmatch=True),
    st.from_regex(r"@[a-z_]{3,12}[0-9]{0,4}", fullmatch=True),
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    words=st.lists(_WORDS, min_size=1, max_size=12),
    data=st.lists(_DATA, max_size=3),
    platform=st.sampled_from(PLATFORMS),
    tone=st.sampled_from(composer.TONES),
)
def test_any_post_gives_replies_that_fit_and_repeat_nothing(
    sample, words: list[str], data: list[str], platform: str, tone: str
) -> None:
    post = " ".join([*words[:3], *data, *words[3:]])
    with sample.test_request_context():
        _check(_draft(sample, post, platform, tone=tone), post)


def test_replies_keep_whole_sentences_where_the_platform_has_room(sample) -> None:
    # A reply cut mid-thought ("…") only when nothing whole fits: on the
    # platforms with room, that is almost never (0 of 558 replies here when
    # this was written, 45 before whole clauses were preferred); TikTok's 150
    # characters still need it at times.
    posts = {"id": KINDS["complaint"], "en": "how does this work? thanks"}
    cut = total = 0
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        for article in [a for lang in ("id", "en") for a in library.in_lang(lang)]:
            for platform in ("instagram", "x", "facebook"):
                found = _draft(
                    sample,
                    posts[article.lang],
                    platform,
                    article=article.slug,
                    lang=article.lang,
                )
                for reply in found.replies:
                    total += 1
                    cut += "…" in reply.text
    assert total >= 180 and cut / total <= 0.02, (cut, total)
