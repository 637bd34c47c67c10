"""Answers in the articles' own words (kb/services/answers.py)."""

from __future__ import annotations

import pytest

from kb.services import answers

pytestmark = pytest.mark.read_only


def test_sentences_keep_list_items_and_sentences_whole() -> None:
    text = "Hubungi kami jika: resi diam 3 hari, atau · lewat 2 hari. Pilih topik."
    assert answers.sentences(text) == [
        "Hubungi kami jika: resi diam 3 hari, atau",
        "lewat 2 hari.",
        "Pilih topik.",
    ]


def test_the_answer_comes_from_the_section_whole_and_within_budget(app) -> None:
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        found = answers.candidates(search, library, "lupa kata sandi", "id")
        assert found and found[0].lang == "id"
        best = found[0]
        answer = answers.extract(
            library, best.slug, best.anchor, "lupa kata sandi", budget=150
        )
        assert answer is not None and answer.sentences
        assert len(answer.text) <= 150
        section_text = " ".join(s.text for s in library.rendered(best.slug).sections)
        for sentence in answer.sentences:
            assert sentence in section_text  # never a word of its own


def test_a_lead_in_and_its_list_items_are_one_answer() -> None:
    text = (
        "Hubungi kami jika: status resi tidak berubah selama 3 hari, atau · paket "
        "lewat 2 hari dari estimasi. Pilih topik."
    )
    assert answers.units(text) == [
        "Hubungi kami jika: status resi tidak berubah selama 3 hari, atau paket "
        "lewat 2 hari dari estimasi.",
        "Pilih topik.",
    ]


@pytest.mark.parametrize("budget", range(20, 120, 3))
def test_shortening_keeps_words_and_numbers_whole(budget: int) -> None:
    sentence = (
        "Dana kembali dalam 3-7 hari kerja ke kartu kredit (tergantung bank), "
        "atau 1 hari kerja ke RonaPay jika Anda memilihnya."
    )
    short = answers.compress(sentence, budget)
    if short is None:
        return
    assert len(short) <= budget
    # Parentheses go first (the rest stays whole), then words from the end.
    plain = sentence.replace(" (tergantung bank)", "")
    if short not in (sentence, plain):
        assert short.endswith("…")
        kept = short.removesuffix("…").split()
        words = plain.split()
        assert kept[:-1] == words[: len(kept) - 1]  # whole words, none invented
        assert words[len(kept) - 1].startswith(kept[-1])  # at most its comma goes
        assert not kept[-1][-1].isdigit()  # never "3-7" without "hari"
        assert kept[-1].lower() not in {"atau", "ke", "dalam", "jika"}


def test_a_sections_sentences_are_stemmed_once_and_follow_its_text(
    app, monkeypatch
) -> None:
    # A draft extracts from one section up to ten times: its sentences are cut
    # and stemmed once, keyed by the text (an edited section is read afresh).
    stemmed: list[str] = []
    real = answers.STEMMERS["id"]
    monkeypatch.setitem(
        answers.STEMMERS, "id", lambda word: stemmed.append(word) or real(word)
    )
    answers._UNITS.clear()
    query = "lupa kata sandi"
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        best = answers.candidates(search, library, query, "id")[0]
        first = answers.extract(library, best.slug, best.anchor, query, budget=150)
        stems_first = len(stemmed)
        again = answers.extract(library, best.slug, best.anchor, query, budget=150)
    assert again == first
    assert len(stemmed) - stems_first == len(query.split())  # the query's alone
    text = "Buka halaman masuk. Pilih lupa kata sandi lalu ikuti emailnya."
    edited = answers._stemmed_units(text, "id")
    assert [unit for unit, _stems, _digits in edited] == [
        "Buka halaman masuk.",
        "Pilih lupa kata sandi lalu ikuti emailnya.",
    ]
    assert real("sandi") in edited[1][1]
