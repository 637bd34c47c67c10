"""A query's words are cut once per text, and every caller gets its own list."""

from __future__ import annotations

import pytest

from kb.storage.search_index.schema import _unique_words, _words

pytestmark = pytest.mark.read_only


def test_words_are_cut_once_and_handed_out_as_new_lists() -> None:
    _unique_words.cache_clear()
    first = _words("Paket BELUM sampai, paket hilang?")
    assert first == ["paket", "belum", "sampai", "hilang"]
    first.append("changed by a caller")
    again = _words("Paket BELUM sampai, paket hilang?")
    assert again == ["paket", "belum", "sampai", "hilang"]
    assert _unique_words.cache_info().hits == 1
    assert _words("Café") == ["cafe"]  # accents folded as the index folds them
