"""Ranking by the query's main concepts, weak matches said as such, quick answers.

On the sample help center (``articles/``): an article holding every concept of
the query beats one holding its commonest word; run-together and split words
meet; when no article holds the main concepts the results are flagged and the
page says so; when Jawab is sure, the page and ``/api/v1/search`` carry the
article's own sentence(s), and its "was this helpful" vote is recorded like an
article's, without personal data.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jsonschema
import pytest
from helpers import rows, submit_form

from kb import create_app
from kb.services import answers, events, quick_answers, semantic
from kb.services.search import SearchRequest, SearchService
from kb.storage.models import VoteLog
from kb.storage.search_index import Hit, Hits
from kb.views.api import schemas


def search(client, q: str, lang: str = "en", **extra) -> dict:
    asked = {"q": q, "lang": lang, **extra}
    response = client.get("/api/v1/search", query_string=asked)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def slugs(data: dict) -> list[str]:
    return [r["slug"] for r in data["results"]]


@pytest.fixture()
def help_center(shipped_client):
    """The sample help center exactly as shipped (RonaPay Later is a draft)."""
    return shipped_client


# -- ranking by concepts --------------------------------------------------------


def test_an_article_holding_every_concept_beats_one_holding_the_common_word(
    sample_client,
) -> None:
    # "akun" is in many articles, "diblokir" in one: that one comes first,
    # not "Menghapus akun" for holding the common word in its title.
    data = search(sample_client, "akun diblokir", "id")
    assert slugs(data)[0] == "mengapa-komentar-saya-dihapus", slugs(data)[:3]
    assert data["weak_match"] is False


def test_chat_words_are_read_in_standard_form(sample_client) -> None:
    # "gue" is a pronoun and "blm", "nyampe" are "belum", "sampai": none of
    # them is a concept the articles must hold.
    for q in ("akun gue diblokir", "paket gue blm nyampe"):
        data = search(sample_client, q, "id")
        assert data["weak_match"] is False, q
    assert slugs(search(sample_client, "paket gue blm nyampe", "id"))[0] == (
        "pesanan-terlambat"
    )


def test_a_phrase_of_common_words_finds_the_article_holding_them_all(
    sample_client,
) -> None:
    # The sample fixture publishes RonaPay Later, which says "buy now and pay later".
    data = search(sample_client, "buy now pay later")
    assert slugs(data)[0] == "ronapay-later", slugs(data)[:3]
    assert data["weak_match"] is False


def test_a_run_together_word_finds_the_article_writing_it_apart(
    sample_client,
) -> None:
    assert slugs(search(sample_client, "paylater"))[0] == "ronapay-later"
    assert slugs(search(sample_client, "paylater", "id"))[0] == (
        "ronapay-later-segera-hadir"
    )


def test_split_words_find_the_article_writing_them_as_one(
    make_app, articles_dir: Path
) -> None:
    (articles_dir / "payments" / "cicilan.md").write_text(
        "---\ntitle: Instalment plans\nlang: en\ncategory: payments\n"
        "summary: Split a purchase into monthly instalments.\n---\n\n"
        "Our SplitPay plan spreads a purchase over three months.\n",
        encoding="utf-8",
    )
    client = make_app().test_client()
    data = search(client, "split pay")
    assert slugs(data)[0] == "cicilan", slugs(data)
    assert data["weak_match"] is False


# -- weak matches ---------------------------------------------------------------


def test_weak_matches_are_flagged_and_said_as_such(help_center) -> None:
    # RonaPay Later is a draft here: every result holds one common word at most.
    data = search(help_center, "buy now pay later")
    assert data["results"] and data["weak_match"] is True
    assert data["answer"] is None
    page = help_center.get("/en/search?q=buy+now+pay+later").get_data(as_text=True)
    assert "Nothing matched well — closest articles" in page
    assert "results for" not in page
    assert 'class="quick-answer"' not in page


def test_weak_matches_list_the_closest_few_then_the_rest(help_center) -> None:
    data = search(help_center, "buy now pay later")
    total = data["total"]
    assert total > 3 and len(data["results"]) == min(total, 10)  # the API: all
    page = help_center.get("/en/search?q=buy+now+pay+later").get_data(as_text=True)
    assert page.count('<li class="result"') == 3
    assert f"Show {total - 3} more articles" in page
    assert "more=1" in page and 'class="pagination"' not in page
    everything = help_center.get("/en/search?q=buy+now+pay+later&more=1")
    text = everything.get_data(as_text=True)
    assert text.count('<li class="result"') == min(total, 10)
    assert "Nothing matched well — closest articles" in text
    assert "more articles" not in text


def test_weak_matches_said_in_indonesian(help_center) -> None:
    page = help_center.get("/id/search?q=buy+now+pay+later&language=en")
    text = page.get_data(as_text=True)
    assert "Tidak ada yang benar-benar cocok — artikel terdekat" in text


def test_a_good_match_is_not_flagged(help_center) -> None:
    data = search(help_center, "cancel order")
    assert data["weak_match"] is False
    assert slugs(data)[0] == "cancel-an-order"


def test_words_the_help_center_does_not_know_make_a_weak_match(help_center) -> None:
    data = search(help_center, "how long does the virus survive on surfaces")
    assert data["weak_match"] is True and data["answer"] is None


# -- quick answers --------------------------------------------------------------


def _article_text(client, lang: str, slug: str) -> str:
    """The article page's text and its summary (the page's description)."""
    page = client.get(f"/{lang}/articles/{slug}").get_data(as_text=True)
    summary = re.search(r'<meta name="description" content="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page) + " " + (summary.group(1) if summary else "")
    return " ".join(html.unescape(text).split())


@pytest.mark.parametrize(
    ("q", "lang", "slug"),
    [
        ("cancel order", "en", "cancel-an-order"),
        ("berapa lama refund", "id", "waktu-pengembalian-dana"),
        ("lupa password", "id", "lupa-kata-sandi"),
    ],
)
def test_a_sure_match_carries_the_articles_own_sentences(
    help_center, q: str, lang: str, slug: str
) -> None:
    answer = search(help_center, q, lang)["answer"]
    assert answer is not None
    assert answer["article"]["slug"] == slug
    assert answer["article"]["url"].endswith(f"/{lang}/articles/{slug}")
    assert 0.35 <= answer["confidence"] <= 1
    text = _article_text(help_center, lang, slug)
    for sentence in re.split(r"(?<=[.!?])\s+", answer["text"]):
        assert " ".join(sentence.split()) in text  # never a word of its own


def test_a_section_answer_names_and_links_its_section(help_center) -> None:
    q = "lupa kata sandi nomor hp lama"  # narrower than the article's title
    answer = search(help_center, q, "id")["answer"]
    section = answer["section"]
    assert section and section["anchor"] and section["heading"]
    page = help_center.get("/id/search", query_string={"q": q}).get_data(as_text=True)
    box = page[page.index('class="quick-answer"') : page.index('class="results"')]
    assert "Jawaban singkat" in box
    assert f'href="/id/articles/lupa-kata-sandi?s={section["anchor"]}#' in box
    assert f"› {section['heading']}" in box
    assert "Apakah jawaban ini membantu?" in box
    assert f'data-section="{section["anchor"]}"' in box  # the vote is the section's


def test_the_articles_topic_in_customers_words_gets_its_summary(
    help_center,
) -> None:
    # "lupa password" is "lupa kata sandi" as the synonyms say it: the
    # article's whole topic, answered by its summary (the steps from the
    # start), not by two steps from the middle of its first section.
    for q in ("lupa password", "lupa kata sandi"):
        answer = search(help_center, q, "id")["answer"]
        assert answer is not None and answer["section"] is None, (q, answer)
        assert answer["text"].startswith('Ketuk "Lupa kata sandi?"'), answer
    # A query narrower than the title is answered from its section.
    narrower = search(help_center, "lupa kata sandi nomor hp lama", "id")["answer"]
    assert narrower is not None and narrower["section"] is not None


def test_a_table_row_answers_with_its_column_headers(help_center) -> None:
    # The answer is a row of the refund table, whose section search does not
    # pick (each step of "Jika refund belum diterima" says "refund"): read
    # with its headers, in the article's words.
    answer = search(help_center, "refund ke gopay berapa lama", "id")["answer"]
    assert answer is not None
    jsonschema.validate(answer, schemas.COMPONENTS["QuickAnswer"])
    assert answer["text"] == (
        "GoPay, OVO, DANA, ShopeePay — Dana dikembalikan ke: E-wallet yang sama; "
        "Lama proses: 1–3 hari kerja."
    )
    assert answer["article"]["slug"] == "waktu-pengembalian-dana"
    assert answer["section"] == {
        "anchor": "waktu-pengembalian-dana-per-metode-pembayaran",
        "heading": "Waktu pengembalian dana per metode pembayaran",
    }
    english = search(help_center, "how long does a refund to GoPay take?", "en")
    assert english["answer"]["text"] == (
        "GoPay, OVO, DANA, ShopeePay — Where the money goes: The same e-wallet; "
        "How long it takes: 1–3 working days."
    )
    page = help_center.get(
        "/id/search", query_string={"q": "refund ke gopay berapa lama"}
    )
    box = page.get_data(as_text=True)
    box = box[box.index('class="quick-answer"') : box.index('class="results"')]
    assert "GoPay, OVO, DANA, ShopeePay — Dana dikembalikan ke" in html.unescape(box)


def test_no_quick_answer_when_not_sure(help_center) -> None:
    # Three articles about as good as one another: a list, not an answer.
    for q, lang in [("akun", "id"), ("zebracorn", "en"), ("refund password", "en")]:
        data = search(help_center, q, lang)
        assert data["answer"] is None, (q, data["answer"])
        page = help_center.get(f"/{lang}/search", query_string={"q": q})
        assert 'class="quick-answer"' not in page.get_data(as_text=True)


def test_the_quick_answer_is_on_the_first_page_only(help_center) -> None:
    assert search(help_center, "cancel order", limit=1)["answer"] is not None
    assert search(help_center, "cancel order", limit=1, page=2)["answer"] is None
    page = help_center.get("/en/search?q=cancel+order&limit=1&page=2")
    assert 'class="quick-answer"' not in page.get_data(as_text=True)


def test_the_quick_answer_vote_is_recorded_without_personal_data(
    ticket_app,
) -> None:
    client = ticket_app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64)"
    page = client.get("/en/search?q=reset+password")
    html = page.get_data(as_text=True)
    box = html[html.index('class="quick-answer"') : html.index('class="results"')]
    link = re.search(r'data-vote="yes" href="([^"]+)"', box).group(1)
    link = link.replace("&amp;", "&")
    done = submit_form(client, link.split("?")[0], {"helpful": "yes"}, form_url=link)
    assert done.status_code == 200
    events.recorder(ticket_app).flush()
    [vote] = rows(ticket_app, VoteLog)
    assert (vote.slug, vote.lang, vote.helpful) == ("reset-password", "en", True)
    assert vote.visit_id is None and vote.comment is None
    # Nothing of the customer's: no query, no address, no agent, no visit.
    columns = {c.name for c in VoteLog.__table__.columns}
    assert columns == {
        "id", "key", "created_at", "visit_id", "slug", "section", "lang",
        "helpful", "reason", "comment",
    }  # fmt: skip


# -- no rendering during a search (issue 21's p95) ---------------------------------


@pytest.fixture()
def fresh_worker(help_center):
    """A second app over the shipped sample's built index: a fresh worker, whose
    content version has rendered no article yet (the first app indexed it)."""
    shipped = help_center.application
    keys = ("SECRET_KEY", "ARTICLES_DIR", "SEARCH_INDEX_DIR", "DATABASE_URL")
    app = create_app(
        {"TESTING": True, "RELOAD_SECONDS": 0} | {k: shipped.config[k] for k in keys}
    )
    yield app
    app.extensions["jawab.search"].searcher.close()
    if app.extensions.get("jawab.db") is not None:
        app.extensions["jawab.db"].dispose()


def test_a_search_with_a_quick_answer_renders_no_article(fresh_worker) -> None:
    # The quick answer reads the hit's section as the index stored it: the
    # first answer from an article used to render it (3.8 ms, issue 21's p95).
    client = fresh_worker.test_client()
    library = fresh_worker.extensions["jawab.content"].library()
    assert library.renders == 0
    # Answered from a section (the two first) and from the summary.
    asked = [("lupa kata sandi nomor hp lama", "id"), ("berapa lama refund", "id")]
    summaries = [
        ("lupa password", "id"),
        ("cancel order", "en"),
        ("reset password", "en"),
    ]
    for q, lang in [*asked, *summaries]:
        answer = search(client, q, lang)["answer"]
        assert answer is not None, q
        page = client.get(f"/{lang}/search", query_string={"q": q})
        assert 'class="quick-answer"' in page.get_data(as_text=True)
    assert fresh_worker.extensions["jawab.content"].library() is library
    assert library.renders == 0
    # A section's answer is the one the library's rendered sections give,
    # which the counter sees: an agent's hand-picked article still renders.
    compared = 0
    with fresh_worker.test_request_context():
        service = fresh_worker.extensions["jawab.search"]
        for q, lang in asked:
            hits = service.search(SearchRequest(q=q, lang=lang), library)
            stored = quick_answers.quick_answer(library, hits, q)
            assert stored is not None
            if stored.anchor is None:
                continue  # the article's summary: no section read either way
            best = hits.hits[0]
            rendered = answers.extract(
                library,
                best.slug,
                best.section,
                q,
                budget=quick_answers.BUDGET,
                confidence=stored.confidence,
            )
            assert stored == rendered, q
            compared += 1
    assert compared and library.renders == compared


def test_the_index_stores_each_sections_text_as_rendering_gives_it(
    help_center,
) -> None:
    # What a quick answer reads instead of rendering must be the same text.
    app = help_center.application
    tables = 0
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        service = app.extensions["jawab.search"]
        for article in library.published.values():
            request = SearchRequest(q=article.title, lang=article.lang, limit=50)
            hits = service.search(request, library)
            [hit] = [h for h in hits.hits if h.slug == article.slug]
            got = [(s.anchor, s.heading, s.text, s.rows) for s in hit.sections]
            want = [
                (s.anchor, s.heading, s.text, s.rows)
                for s in library.rendered(article.slug).sections
            ]
            assert got == want, article.slug
            tables += any(s.rows for s in hit.sections)
    assert tables >= 10  # and their tables' rows (14 sample articles have one)


# -- how sure search is ------------------------------------------------------------


def _hits(*scored, weak: bool = False, corrected: bool = False) -> Hits:
    """Hits of (score, coverage, similarity) in order."""
    return Hits(
        len(scored),
        tuple(
            Hit(f"a{i}", "en", "c", "T", "", score, "", None, None, cov, near)
            for i, (score, cov, near) in enumerate(scored)
        ),
        None,
        corrected=corrected,
        weak_match=weak,
    )


def test_lexical_confidence_is_coverage_times_lead() -> None:
    sure = SearchService.confidences(_hits((10.0, 1.0, None), (4.0, 1.0, None)))
    assert sure[0] == pytest.approx(0.6) and sure[1] == 0.0
    half = SearchService.confidences(_hits((10.0, 0.5, None), (4.0, 1.0, None)))
    assert half[0] == pytest.approx(0.3)  # holds half the concepts: half as sure
    assert SearchService.confidences(_hits((10.0, 1.0, None), weak=True)) == [0.0]
    assert SearchService.confidences(_hits((10.0, 1.0, None), corrected=True)) == [0.0]


def test_confidence_reranked_by_meaning_counts_a_close_hit_as_covering() -> None:
    close, far = semantic.ON_TOPIC + 0.05, semantic.ON_TOPIC - 0.05
    # Fused scores (lexical/best + 2 × scaled cosine): a lead of 0.28 is clear.
    sure = SearchService.confidences(_hits((2.5, 0.4, close), (1.8, 1.0, 0.8)))
    assert sure[0] == pytest.approx(0.28 * semantic.LEAD_SCALE)
    assert sure[0] >= quick_answers.SURE  # a paraphrase sharing few words
    assert sure[1] == 0.0
    # As far ahead, holding few of the query's words and not close in meaning.
    unsure = SearchService.confidences(_hits((2.5, 0.4, far), (1.8, 1.0, 0.7)))
    assert unsure[0] == pytest.approx(0.28 * semantic.LEAD_SCALE * 0.4, abs=1e-3)
    assert unsure[0] < quick_answers.SURE
    # Holding every concept counts as much as being close.
    held = SearchService.confidences(_hits((2.5, 1.0, far), (1.8, 1.0, 0.7)))
    assert held[0] == sure[0]
    # A weak match holds nothing worth counting; close in meaning, it still may.
    weak = _hits((2.5, 1.0, far), (1.8, 1.0, 0.8), weak=True)
    assert SearchService.confidences(weak) == [0.0, 0.0]
    weak_close = _hits((2.5, 0.4, close), (1.8, 1.0, 0.8), weak=True)
    assert SearchService.confidences(weak_close)[0] == sure[0]
    guess = _hits((2.5, 1.0, close), (2.0, 1.0, 0.8), corrected=True)
    assert SearchService.confidences(guess) == [0.0, 0.0]


def test_reranked_by_meaning_a_paraphrase_gets_a_quick_answer(
    help_center, semantic_shipped_client
) -> None:
    client = semantic_shipped_client
    # Few of its words are the article's: lexically a weak match, no answer...
    lexical = search(help_center, "I forgot my password")
    assert lexical["weak_match"] is True and lexical["answer"] is None
    # ... close in meaning: a match, and the answer.
    data = search(client, "I forgot my password")
    assert data["weak_match"] is False
    assert data["answer"]["article"]["slug"] == "reset-password"
    assert data["answer"]["confidence"] >= quick_answers.SURE
    page = client.get("/en/search?q=I+forgot+my+password").get_data(as_text=True)
    assert 'class="quick-answer"' in page
    assert "Nothing matched well" not in page
    # What the lexical search answers, it still answers.
    for q, lang, slug in [
        ("cancel order", "en", "cancel-an-order"),
        ("lupa password", "id", "lupa-kata-sandi"),
    ]:
        assert search(client, q, lang)["answer"]["article"]["slug"] == slug


def test_reranked_by_meaning_no_quick_answer_off_topic_or_unsure(
    semantic_shipped_client,
) -> None:
    client = semantic_shipped_client
    for q, lang in [
        ("how long does the virus survive on surfaces", "en"),
        ("Bagaimana cara menurunkan berat badan?", "id"),
        ("refund password", "en"),
        ("akun", "id"),
    ]:
        data = search(client, q, lang)
        assert data["answer"] is None, (q, data["answer"])
        page = client.get(f"/{lang}/search", query_string={"q": q})
        assert 'class="quick-answer"' not in page.get_data(as_text=True)
    # Words the help center does not know, about nothing it covers: still weak.
    off_topic = "how long does the virus survive on surfaces"
    assert search(client, off_topic)["weak_match"] is True
