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
