"""Drafting from posts over the sample help center (articles/), issue 21.

- The development list (tests/data/posts.yml) through the whole drafting: the
  article and section it picks, at the rate it really reaches (the held-out
  list, tests/data/posts_heldout.yml, is measured by bench/bench_reply.py and
  never asserted here, so nothing is tuned to it).
- Properties over every sample article × platform × tone × kind of post: every
  reply within its platform's limit, no digit run, email or @handle from the
  post in any reply, no "!" in a reply to a complaint.
- A post that only thanks or praises: one thank-you, no article, no short link
  (unless the agent picks an article); a question or complaint that also says
  "makasih" or "thanks" drafts as any other.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import create_app
from kb.markdown import row_text
from kb.services import composer, drafting, reply_wording
from kb.services.search import update_index
from kb.services.sections import choose as choose_section
from kb.storage import db
from kb.vocab import PLATFORMS

PROJECT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((PROJECT / "tests" / "data" / "posts.yml").read_text())
HOST = "https://help.tokorona.example"  # a realistic host, no KB_SHORT_BASE_URL
LINKS = drafting.Links(
    short=lambda slug, lang, anchor, code: f"{HOST}/s/{code}",
    handoff=lambda slug: (
        f"{HOST}/contact?" + (f"article={slug}&" if slug else "") + "platform=tiktok"
    ),
    private=lambda code: f"{HOST}/p/{code}",
)
THANKS = [p for p in DEV if p.get("thanks")]
# The section of articles/payments/waktu-pengembalian-dana.md with its table.
TABLE_SECTION = "waktu-pengembalian-dana-per-metode-pembayaran"
# Kinds of post; the personal data is invented.
KINDS = {
    "thanks": "makasih kak, paketnya udah sampai cepet banget 😍",
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
    # 61 of 84 articles and 43 of 84 sections since the section is chosen by
    # kb/services/sections.py (29 before, the search hit's best section);
    # search improvements (issue 21, candidates) raise the articles. With the
    # questions and complaints that also thank: 65 of 89 and 46 of 89.
    assert articles / len(answerable) >= 0.72, articles
    assert sections / len(answerable) >= 0.5, sections


def test_an_article_the_agent_picks_gets_its_best_section(sample) -> None:
    post = "udah 4 hari resi ga gerak, statusnya masih di gudang sortir"
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        found = _draft(sample, post, "x")
        slugs = {c.slug for c in found.candidates}
        query, complaint = found.reading.query, found.reading.complaint
        # An article search did not offer: its section is chosen all the same.
        picked, best = next(
            (a, best)
            for a in library.in_lang("id")
            if a.slug not in slugs
            and (best := choose_section(library, a.slug, query, complaint))
        )
        chosen = _draft(sample, post, "x", article=picked.slug)
        assert chosen.article and chosen.article.slug == picked.slug
        assert chosen.section and chosen.section.anchor == best.anchor
        # An explicit "" is still the whole article.
        whole = _draft(sample, post, "x", article=picked.slug, section="")
        assert whole.section is None


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
        if reply.handoff and found.reading.personal_data:
            # The point of the private step: asked on every platform, TikTok too.
            asks = (
                reply_wording.privacy(
                    found.lang, found.tone, found.reading.personal_data
                ),
                reply_wording.privacy_short(
                    found.lang, found.tone, found.reading.personal_data
                ),
            )
            assert any(composer.calm(a) in reply.text for a in asks if a), where
        if reply.handoff and found.article:
            assert f"{HOST}/p/{found.code}" in reply.text, where


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
        "makasih",
        "mantap",
        "thanks",
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


def test_the_tiktok_private_step_keeps_the_privacy_ask(sample) -> None:
    # The post of issue 21: the long contact link used to crowd the ask out.
    post = "udah 5 hari paket belum sampai, no pesanan 2411889900, hp 081234567890"
    with sample.test_request_context():
        found = _draft(sample, post, "tiktok", tone="casual")
    private = next(r for r in found.replies if r.handoff)
    assert found.article is not None
    assert not private.over, private.text
    assert f"{HOST}/p/{found.code}" in private.text
    assert "/contact?" not in private.text
    assert "komentar publik" in private.text or "di sini" in private.text
    assert private.text.startswith(("Mohon maaf", "Maaf ya")), private.text


def test_with_room_the_private_step_says_it_all(sample) -> None:
    post = "udah 5 hari paket belum sampai, no pesanan 2411889900, hp 081234567890"
    with sample.test_request_context():
        found = _draft(sample, post, "instagram", tone="casual")
    private = next(r for r in found.replies if r.handoff)
    whole = reply_wording.privacy("id", "casual", found.reading.personal_data)
    assert whole in private.text
    assert found.replies[0].link and found.replies[0].link in private.text


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\s*\([^()]*\)", "", text).replace(" · ", " ").split())


def _carries_answer(library, found: drafting.Draft, text: str) -> bool:
    """The reply's first line holds a sentence of the article's own text (as
    an answer may say it: without its parentheses, or only its opening) or
    one of its table's rows."""
    assert found.article is not None
    sections = library.rendered(found.article.slug).sections
    # A table's row is read with its headers (kb.markdown.row_text).
    rows = [row_text(row) for s in sections for row in s.rows]
    article_text = _plain(" ".join([*(s.text for s in sections), *rows]))
    first = text.split("\n", 1)[0]
    pieces = [_plain(p.strip(" …")) for p in re.split(r"(?<=[.!?🙏😊])\s+", first)]
    return any(len(p) >= 30 and p[:30] in article_text for p in pieces)


def test_every_answer_reply_carries_the_articles_answer(sample) -> None:
    # Where the platform has room, the shortest reply too carries the answer
    # the draft found (one short step grows to the unit beside it); on
    # TikTok's 150 characters the shortest trades the long opening for it.
    missing: dict[str, list] = {"x": [], "instagram": [], "tiktok": []}
    answered = 0
    answerable = [p for p in DEV if p.get("article")]
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        for post in answerable:
            for platform in missing:
                found = _draft(sample, post["post"], platform)
                if found.article is None or found.answer is None:
                    continue
                answered += platform == "x"
                for reply in found.replies:
                    if reply.handoff and platform == "tiktok":
                        continue  # the privacy ask and the private link come first
                    if platform == "tiktok" and reply.key == drafting.STANDARD:
                        continue  # keeps a complaint's named apology instead
                    if not _carries_answer(library, found, reply.text):
                        missing[platform].append((post["post"], reply.text))
    assert not missing["x"] and not missing["instagram"], missing
    # 81 of 87 when this was written (60 of 84 before the opening gave way).
    assert len(missing["tiktok"]) <= 0.1 * answered, missing["tiktok"]
    # An answer only where a sentence shares a word with the post: 87 of 89.
    assert answered >= 0.9 * len(answerable), answered


def test_no_sentence_sharing_a_word_means_no_answer(sample) -> None:
    # The agent picks the refund table's section for a post that shares no
    # word with it: not "Hari kerja adalah Senin sampai Jumat …", nor any row
    # of the table read with its headers ("duit" is not "dana", "balik" not
    # "dikembalikan"). A guess would mislead in public, so the replies name
    # the section and link it without an answer.
    slug, anchor = "waktu-pengembalian-dana", TABLE_SECTION
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        [section] = [s for s in library.rendered(slug).sections if s.anchor == anchor]
        found = _draft(
            sample, "duitku kapan balik min?", "x", article=slug, section=anchor
        )
    assert section.rows  # the rows were there to be weighed
    assert found.section is not None and found.section.anchor == anchor
    assert found.answer is None
    for reply in found.replies:
        assert "Hari kerja" not in reply.text and " — " not in reply.text
        assert found.replies[0].link in reply.text


def test_a_table_row_answers_read_with_its_column_headers(sample) -> None:
    # The answer to "how long to GoPay" is a row of the refund table: alone
    # (never beside a sentence), with its headers, in the article's words.
    with sample.test_request_context():
        found = _draft(sample, "refund ke gopay berapa lama ya kak?", "x")
        english = _draft(sample, "how long does a refund to GoPay take?", "x")
    assert found.article and found.article.slug == "waktu-pengembalian-dana"
    assert found.section and found.section.anchor == TABLE_SECTION
    assert found.answer == (
        "GoPay, OVO, DANA, ShopeePay — Dana dikembalikan ke: E-wallet yang sama; "
        "Lama proses: 1–3 hari kerja."
    )
    assert english.article and english.article.slug == "refund-timelines"
    assert english.answer == (
        "GoPay, OVO, DANA, ShopeePay — Where the money goes: The same e-wallet; "
        "How long it takes: 1–3 working days."
    )
    for draft in (found, english):
        assert draft.answer is not None
        for reply in draft.replies:
            assert not reply.over, reply.text
            assert draft.answer in reply.text, reply.text


def test_on_tiktok_a_row_goes_whole_or_not_at_all(sample) -> None:
    # 150 characters leave no room for the whole row: without its last cell
    # it would drop what was asked (how long), so no reply carries a part.
    with sample.test_request_context():
        found = _draft(sample, "refund ke gopay berapa lama ya kak?", "tiktok")
    assert found.answer is not None and " — " in found.answer
    for reply in found.replies:
        assert not reply.over, reply.text
        assert found.answer in reply.text or " — " not in reply.text, reply.text
        assert "…" not in reply.text


def test_on_tiktok_the_standard_reply_to_a_complaint_names_the_problem(
    sample,
) -> None:
    post = "udah seminggu paket gue belum nyampe, CS lelet!!"
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        found = _draft(sample, post, "tiktok", tone="casual")
    shortest, standard = found.replies[0], found.replies[1]
    assert standard.text.startswith("Mohon maaf paketnya belum sampai, Kak")
    assert _carries_answer(library, found, shortest.text), shortest.text
    assert shortest.text != standard.text
    assert not shortest.over and not standard.over


def test_the_shortest_reply_gives_up_the_long_opening_for_the_better_answer(
    sample,
) -> None:
    # On a short host (make run's 127.0.0.1:5000) the named apology leaves
    # room for the section's tip ("Jika kurir memastikan paket Anda hilang …")
    # but not its rule; the short opening with the rule says more.
    post = "udah seminggu paket gue belum nyampe, CS lelet!!"
    host = "http://127.0.0.1:5000"
    links = drafting.Links(
        short=lambda slug, lang, anchor, code: f"{host}/s/{code}",
        handoff=lambda slug: f"{host}/contact",
        private=lambda code: f"{host}/p/{code}",
    )
    with sample.test_request_context():
        found = drafting.draft(
            db.session(),
            sample.extensions["jawab.search"],
            sample.extensions["jawab.content"].library(),
            drafting.DraftRequest(post=post, platform="tiktok", tone="casual"),
            links,
        )
    shortest, standard = found.replies[0], found.replies[1]
    assert "status resi tidak berubah selama 3 hari" in shortest.text
    assert shortest.text.startswith("Maaf ya, Kak")
    assert not shortest.over
    # The standard reply still names the problem.
    assert standard.text.startswith("Mohon maaf paketnya belum sampai, Kak")


def test_a_post_that_only_thanks_gets_one_thank_you_and_no_article(sample) -> None:
    assert len(THANKS) >= 6 and {p["lang"] for p in THANKS} == {"id", "en"}
    shortened: list[str] = []
    links = replace(
        LINKS,
        short=lambda slug, lang, anchor, code: (
            shortened.append(code) or f"{HOST}/s/{code}"
        ),
    )
    with sample.test_request_context():
        library = sample.extensions["jawab.content"].library()
        search = sample.extensions["jawab.search"]
        offered = 0
        for post in THANKS:
            for platform in PLATFORMS:
                for tone in composer.TONES:
                    request = drafting.DraftRequest(
                        post=post["post"], platform=platform, tone=tone
                    )
                    found = drafting.draft(
                        db.session(), search, library, request, links
                    )
                    where = (post["post"], platform, tone)
                    assert found.reading.thanks, where
                    assert found.article is None and found.section is None, where
                    assert found.answer is None and found.sections == (), where
                    (reply,) = found.replies
                    assert (reply.key, reply.kind) == ("thanks", "thanks"), where
                    assert reply.text == reply_wording.thank_you(post["lang"], tone)
                    assert reply.link == "" and not reply.handoff, where
                    assert "http" not in reply.text, where
                    _check(found, post["post"])
                    offered += bool(found.candidates)
    # No short link was made, yet the agent can still pick an article.
    assert shortened == []
    assert offered == len(THANKS) * len(PLATFORMS) * len(composer.TONES)


def test_a_thank_you_that_exposes_data_asks_and_offers_the_private_step(
    sample,
) -> None:
    posts = {
        "id": "makasih kak, paket udah sampai 😍 hp aku 081234567890",
        "en": "Thanks! Order 2611223344 arrived today, love it @siti_r",
    }
    with sample.test_request_context():
        for lang, post in posts.items():
            for platform in PLATFORMS:
                for tone in composer.TONES:
                    found = _draft(sample, post, platform, tone=tone)
                    where = (post, platform, tone)
                    assert found.reading.thanks and found.reading.private, where
                    assert found.article is None, where
                    assert [r.key for r in found.replies] == ["thanks", "private"]
                    thanks, private = found.replies
                    kinds = found.reading.personal_data
                    asks = (
                        reply_wording.privacy(lang, tone, kinds),
                        reply_wording.privacy_short(lang, tone, kinds),
                    )
                    assert thanks.text.startswith(
                        reply_wording.thank_you(lang, tone)
                    ), where
                    assert any(a in thanks.text for a in asks), where
                    assert thanks.link == "" and not thanks.handoff, where
                    assert private.handoff and f"{HOST}/contact?" in private.text
                    _check(found, post)


def test_a_thanks_post_with_an_article_picked_drafts_as_any_post(sample) -> None:
    post = THANKS[0]["post"]
    with sample.test_request_context():
        found = _draft(sample, post, "instagram", article="pesanan-terlambat")
    assert found.reading.thanks
    assert found.article and found.article.slug == "pesanan-terlambat"
    assert [r.key for r in found.replies] == ["shortest", "standard", "private"]
    assert found.replies[0].link.startswith(f"{HOST}/s/")
    assert all(found.replies[0].link in r.text for r in found.replies[:2])
    _check(found, post)


@pytest.mark.parametrize(
    ("post", "opening"),
    [
        (
            "kak kalau mau ganti nomor hp di akun caranya gimana ya? makasih 🙏",
            "Halo Kak, makasih sudah tanya 😊",
        ),
        (
            "makasih ya min udah dibales, tapi refund aku udah 10 hari kerja belum "
            "masuk juga ke rekening",
            "Mohon maaf",
        ),
        (
            "Thank you! One more thing: can I return a perfume I already opened?",
            "Hi there, thanks for asking!",
        ),
    ],
)
def test_a_question_or_complaint_that_also_thanks_drafts_as_today(
    sample, post: str, opening: str
) -> None:
    with sample.test_request_context():
        found = _draft(sample, post, "instagram")
    assert not found.reading.thanks
    assert found.article is not None
    assert [r.key for r in found.replies] == ["shortest", "standard", "private"]
    assert found.replies[1].text.startswith(opening), found.replies[1].text
    assert found.replies[1].link.startswith(f"{HOST}/s/")
    _check(found, post)
