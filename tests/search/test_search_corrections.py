"""Spelling corrections: a close edit to a frequent article word, or nothing.

Real-looking queries in both languages over the sample help center. A
correction is offered (or run, when nothing matched) only when it changes a
word the articles do not use into one within one edit (two for long words)
that at least two articles use, is not a stopword, fits one article with the
other words, and finds something the query as typed did not.
"""

from __future__ import annotations

import pytest


def search(client, q: str, lang: str) -> dict:
    response = client.get("/api/search", query_string={"q": q, "lang": lang})
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize(
    ("q", "lang", "fixed"),
    [
        ("pasword", "en", "password"),
        ("refnd", "en", "refund"),
        ("voucer", "id", "voucher"),
    ],
)
def test_a_typo_with_no_match_answers_for_the_correction(
    sample_client, q: str, lang: str, fixed: str
) -> None:
    data = search(sample_client, q, lang)
    assert data["corrected"] is True and data["did_you_mean"] == fixed
    assert data["total"] > 0


@pytest.mark.parametrize(
    ("q", "lang", "fixed"),
    [
        ("pengembalain dana", "id", "pengembalian dana"),
        ("pesanan terlmbat", "id", "pesanan terlambat"),
        ("lupa kata sandu", "id", "lupa kata sandi"),
        ("delivry late", "en", "delivery late"),
    ],
)
def test_a_typo_beside_known_words_is_offered_not_run(
    sample_client, q: str, lang: str, fixed: str
) -> None:
    data = search(sample_client, q, lang)
    assert data["did_you_mean"] == fixed
    assert data["corrected"] is False and data["total"] > 0


@pytest.mark.parametrize(
    ("q", "lang"),
    [
        ("resep rendang", "id"),  # was "keep sedang" with 12 unrelated results
        ("paket blm sampe", "id"),  # was "paket blm name"
        ("cara bayar pakai qris", "id"),  # was "cara bayar pakai is"
        ("jadwal kereta api", "id"),
        ("harga emas hari ini", "id"),
        ("pizza recipe", "en"),
        ("weather tomorrow", "en"),
        ("cant log in", "en"),
        ("kirim ulang kode otp", "id"),
        ("promo kode tidak bisa", "id"),
    ],
)
def test_no_invented_query(sample_client, q: str, lang: str) -> None:
    data = search(sample_client, q, lang)
    assert data["did_you_mean"] is None and data["corrected"] is False


def test_off_topic_query_gets_the_honest_no_results_page(sample_client) -> None:
    data = search(sample_client, "resep rendang", "id")
    assert data["total"] == 0 and data["results"] == []
    page = sample_client.get("/id/search?q=resep+rendang").get_data(as_text=True)
    assert "keep" not in page and "sedang" not in page.split("<main")[-1]
    assert "0 hasil" in page or "0 results" in page


def test_never_corrected_to_a_stopword(sample_client) -> None:
    # "qris" is two edits from "is", "sampe" one from nothing frequent enough.
    for q, lang in [("bayar qris", "id"), ("sampe kapan", "id"), ("tha refund", "en")]:
        suggestion = search(sample_client, q, lang)["did_you_mean"] or ""
        assert not {"is", "the", "name", "sedang", "keep"} & set(suggestion.split())


def test_a_correction_must_fit_one_article(sample_client) -> None:
    # Each word alone exists somewhere, but no article speaks of both.
    data = search(sample_client, "rendang resep", "id")
    assert data["did_you_mean"] is None
