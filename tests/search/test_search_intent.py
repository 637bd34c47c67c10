"""Slang and intent on the sample help center, handled by general means.

Synonym entries any help center would have (articles/_synonyms.yml), synonyms
counting in titles and leads, typed words sharing weight fairly with their
synonyms, splitting run-together words, and the other language when nothing
matched.
"""

from __future__ import annotations

import pytest


def slugs(client, q: str, lang: str | None = None, **extra) -> list[str]:
    params = {"q": q, **({"lang": lang} if lang else {}), **extra}
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200
    return [r["slug"] for r in response.get_json()["results"]]


@pytest.mark.parametrize(
    ("q", "lang", "expected", "within"),
    [
        ("cara bayar pakai qris", "id", "metode-pembayaran", 1),
        ("cant log in", "en", "reset-password", 1),
        ("can't log in", "en", "reset-password", 1),
        ("paket blm sampe", "id", "pesanan-terlambat", 1),
        ("paylater", "en", "ronapay-later", 1),
        ("paylater", "id", "ronapay-later-segera-hadir", 1),
        ("ongkir telat", "id", "pesanan-terlambat", 3),
        ("akun saya dihack", "id", "mengenali-penipuan-dan-phishing", 3),
        ("my account was hacked", "en", "recognise-scams-and-phishing", 3),
        ("gak bisa login", "id", "lupa-kata-sandi", 1),
    ],
)
def test_slang_finds_the_article_meant(
    sample_client, q: str, lang: str, expected: str, within: int
) -> None:
    found = slugs(sample_client, q, lang)
    assert expected in found[:within], found[:5]


def test_hacked_account_is_not_answered_with_account_deletion(sample_client) -> None:
    assert slugs(sample_client, "akun saya dihack", "id")[0] != "hapus-akun"


def test_late_delivery_ranks_above_shipping_costs_in_typeahead(sample_client) -> None:
    response = sample_client.get("/api/suggest", query_string={"q": "ongkir telat "})
    found = [s["slug"] for s in response.get_json()["suggestions"]]
    assert "pesanan-terlambat" in found[:3], found


def test_other_language_when_nothing_matches(sample_client) -> None:
    response = sample_client.get("/api/search", query_string={"q": "tf", "lang": "en"})
    data = response.get_json()
    assert data["fallback_lang"] == "id" and data["total"] > 0
    assert {r["lang"] for r in data["results"]} == {"id"}
    page = sample_client.get("/en/search?q=tf").get_data(as_text=True)
    assert "No English articles matched. Showing Indonesian articles." in page
    assert "/id/articles/" in page


def test_no_fallback_when_the_chosen_language_answers(sample_client) -> None:
    data = sample_client.get(
        "/api/search", query_string={"q": "refund", "lang": "en"}
    ).get_json()
    assert data["fallback_lang"] is None
    assert {r["lang"] for r in data["results"]} == {"en"}


def test_fallback_message_in_indonesian(sample_client) -> None:
    page = sample_client.get("/id/search?q=cash+on+delivery").get_data(as_text=True)
    assert "Menampilkan artikel berbahasa Inggris" in page
