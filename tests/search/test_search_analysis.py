"""Per-language analysis: Indonesian affixes, English stems, exact words, long
pasted complaints."""

from __future__ import annotations

import pickle

import pytest

from kb.storage import search_index
from kb.storage.stemming import SASTRAWI_EXCEPTIONS, stem_en, stem_id

# Its ``client`` tests only read: one app serves them all (conftest.py).
pytestmark = pytest.mark.read_only


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("pengiriman", "kirim"),
        ("dikirimkan", "kirim"),
        ("pembayaran", "bayar"),
        ("dikembalikan", "kembali"),
        ("penarikan", "tarik"),
        ("pemesanan", "pesan"),
        ("pengecekan", "cek"),
        ("perbaikan", "perbaiki"),
        ("memperbaiki", "perbaiki"),
    ],
)
def test_indonesian_roots(word: str, root: str) -> None:
    assert stem_id(word) == root


def test_exceptions_fix_what_sastrawi_gets_wrong() -> None:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    raw = StemmerFactory().create_stemmer()
    assert raw.stem("penarikan") == "tari"  # the trap the exception list fixes
    assert all(stem_id(word) == root for word, root in SASTRAWI_EXCEPTIONS.items())


def test_codes_and_numbers_are_left_alone() -> None:
    assert stem_id("jwb7k3q9") == "jwb7k3q9"
    assert stem_id("2026") == "2026"


def test_english_stems() -> None:
    assert stem_en("refunds") == stem_en("refunded") == "refund"


def test_schema_pickles_stem_functions_by_reference() -> None:
    # Whoosh pickles the schema into the index: it must stay small and loadable.
    data = pickle.dumps(search_index.make_schema())
    assert len(data) < 20_000
    assert b"kb.storage.stemming" in data


def _slugs(client, q: str, lang: str) -> list[str]:
    data = client.get("/api/search", query_string={"q": q, "lang": lang}).get_json()
    return [r["slug"] for r in data["results"]]


def test_affixed_indonesian_finds_the_root(client) -> None:
    # The article says "Penarikan saldo"; customers write "tarik saldo".
    assert _slugs(client, "mau tarik saldo", "id")[0] == "lupa-kata-sandi"
    assert _slugs(client, "pembayaran", "id")[0] == "metode-pembayaran"
    assert _slugs(client, "bayarnya gimana", "id")[0] == "metode-pembayaran"


def test_english_plural_finds_singular(client) -> None:
    assert _slugs(client, "refunds", "en")[0] == "refund-times"


def test_stopwords_alone_still_answer(client) -> None:
    status = client.get("/api/search?q=how+do+i&lang=en").status_code
    assert status == 200


def test_a_pasted_complaint_still_finds_the_answer(client) -> None:
    complaint = (
        "Hello, I have been waiting for three days and I am really upset because "
        "nobody answers me. I tried everything and I still cannot get into my "
        "account, I forgot my password and the code you send never arrives. "
        "Please help me as soon as possible, this is the worst service ever."
    )
    assert _slugs(client, complaint, "en")[0] == "reset-password"


def test_exact_words_rank_above_other_forms(client, articles_dir) -> None:
    (articles_dir / "payments" / "refunded.md").write_text(
        "---\ntitle: Already refunded orders\nlang: en\n---\n\nRefunded means done.\n"
    )
    (articles_dir / "payments" / "refunding.md").write_text(
        "---\ntitle: Refunding partners\nlang: en\n---\n\nRefunding is a process.\n"
    )
    assert _slugs(client, "refunded", "en")[0] == "refunded"
    assert _slugs(client, "refunding", "en")[0] == "refunding"
