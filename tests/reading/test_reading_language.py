"""Normalising informal text, and telling Indonesian from English."""

from __future__ import annotations

import pytest

from kb.reading import data
from kb.reading.informal import expand, fold, normalise, tokens
from kb.reading.language import detect


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("bangettt", "banget"),
        ("nyampeee", "nyampe"),
        ("pleaseee", "please"),
        ("goood", "good"),
        ("sooo", "so"),
        ("cepett", "cepet"),
        ("masuk2", "masuk"),
        ("GILAAA", "gila"),
        ("Don’t", "don't"),
    ],
)
def test_folding_collapses_elongations(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("text", "lang", "standard"),
    [
        (
            "udh seminggu paket gue blm nyampe",
            "id",
            "sudah seminggu paket saya belum sampai",
        ),
        ("ongkir ke papua brp?", "id", "ongkos kirim ke papua berapa"),
        ("tf ke rek bca udh", "id", "transfer ke rekening bca sudah"),
        (
            "u cant log in? pls dm ur email",
            "en",
            "you cannot log in please dm your email",
        ),
        (
            "it's been 2 days and i haven't got it",
            "en",
            "it has been 2 days and i have not got it",
        ),
    ],
)
def test_normalising_gives_standard_words(text: str, lang: str, standard: str) -> None:
    assert normalise(text, lang) == standard


def test_english_words_are_never_read_as_indonesian_slang() -> None:
    """IndoCollex maps "it", "in", "is" (and "bang" to "ngab"): never applied."""
    assert normalise("it is in the box, bang on time", "en") == (
        "it is in the box bang on time"
    )
    assert normalise("bang paketnya di gudang", "id") == "bang paketnya di gudang"
    for english in ("it", "in", "is", "so", "arrived", "tracking", "bang"):
        assert english not in data.informal_id(), english


def test_every_indocollex_entry_is_applied_or_excluded_with_a_reason() -> None:
    source = (data.DATA / "indocollex-informal-formal.tsv").read_text("utf-8")
    entries = [line.split("\t")[0] for line in source.splitlines()[1:]]
    excluded = {
        line.split("\t")[0]: line.split("\t")[2]
        for line in (data.DATA / "indocollex-excluded.tsv").read_text().splitlines()
        if not line.startswith("#")
    }
    assert len(entries) == 2623 and all(excluded.values())
    ours = {line.split("\t")[0] for line in data._lines("informal-id.tsv")}
    for informal in entries:
        assert (informal in data.informal_id()) != (informal in excluded) or (
            informal in ours
        ), informal


def test_each_lexicon_phrase_can_match_a_post() -> None:
    for category, phrases in data.lexicon().phrases.items():
        for phrase in phrases:
            toks = tokens(" ".join(phrase))
            assert [t.text for t in toks] == list(phrase), (category, phrase)
            assert {t.kind for t in toks} <= {"word"}, (category, phrase)


def test_urls_amounts_and_dates_are_single_tokens() -> None:
    kinds = [
        (t.text, t.kind)
        for t in tokens(
            "lihat tkr.id/s/8fk2, bayar Rp 1.500.000 tgl 7 Des 2026 @tokorona"
        )
    ]
    assert kinds == [
        ("lihat", "word"),
        ("tkr.id/s/8fk2", "url"),
        (",", "punct"),
        ("bayar", "word"),
        ("Rp 1.500.000", "number"),
        ("tgl", "word"),
        ("7 Des 2026", "number"),
        ("@tokorona", "handle"),
    ]


def test_expansion_follows_the_language() -> None:
    assert expand("gue", english=False) == "saya"
    assert expand("gue", indonesian=False) == "gue"
    assert expand("pls", indonesian=False) == "please"


@pytest.mark.parametrize(
    ("text", "lang", "mixed"),
    [
        ("udah seminggu paket gue belum nyampe, CS lelet!!", "id", False),
        ("paket gue belum dateng, so disappointed", "id", True),
        ("my order still hasn't arrived and nobody replies", "en", False),
        ("my order has been stuck for 5 days, any update? udah ga gerak", "en", True),
        ("Refund saya belum masuk", "id", False),
        ("refund not received", "en", False),
        ("COD ke Papua bisa?", "id", False),
        ("is COD available in Papua?", "en", False),
    ],
)
def test_language_and_code_mixing(text: str, lang: str, mixed: bool) -> None:
    found = detect(text)
    assert (found.lang, found.mixed) == (lang, mixed)
    assert 0.5 <= found.confidence <= 1


def test_the_hint_decides_only_when_the_post_says_too_little() -> None:
    assert detect("RonaPay 😭😭", hint="en").lang == "en"
    assert detect("RonaPay 😭😭", hint="id").lang == "id"
    assert detect("paket saya belum sampai", hint="en").lang == "id"
    assert detect("my package has not arrived", hint="id").lang == "en"


def test_our_supplement_only_adds_what_indocollex_lacks_or_excludes() -> None:
    source = (data.DATA / "indocollex-informal-formal.tsv").read_text("utf-8")
    indocollex = dict(line.split("\t") for line in source.splitlines()[1:])
    excluded = {line.split("\t")[0] for line in data._lines("indocollex-excluded.tsv")}
    for informal in data._pairs("informal-id.tsv"):
        assert informal not in indocollex or informal in excluded, informal
