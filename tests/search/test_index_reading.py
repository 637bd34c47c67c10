"""Reading the index fast gives exactly what Whoosh reads: postings, rankings, stems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from whoosh import collectors
from whoosh.filedb.structfile import BufferFile

from kb.storage import search_index, stemming
from kb.storage.search_index import building, reading, scoring
from kb.storage.search_index import searcher as searching

QUERIES = [
    ("lupa kata sandi", ("id",)),
    ("pesanan belum sampai", ("id", "en")),
    ("reset my password", ("en",)),
    ("refund money back", ("en", "id")),
    ("zebracorn", ("en",)),
]


def _whoosh_postings(reader, fieldname: str, text: str) -> tuple[list, list]:
    matcher = reader.postings(fieldname, text)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _never(word: str) -> str:
    raise AssertionError(f"{word!r} was stemmed again")


def _every_term_matches_whoosh(searcher) -> int:
    checked = 0
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        for fieldname, text in reader.all_terms():
            if not searcher.schema[fieldname].scorable:
                continue
            ids, weights = reading._read_postings(reader, fieldname, text)
            assert (list(ids), list(weights)) == _whoosh_postings(
                reader, fieldname, text
            ), (fieldname, text)
            checked += 1
    return checked


def _whoosh_rank(searcher, plan, depth: int) -> list[tuple[int, float]]:
    collector = collectors.TopCollector(limit=depth, usequality=False)
    searcher.search_with_collector(scoring._UnionOr(plan.required), collector)
    results = collector.results()
    scores = {results.docnum(i): results.score(i) for i in range(len(results.top_n))}
    if plan.optional and scores:
        scoring._add_scores(searcher, plan.optional, scores)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _changed_index(index_template: Path, folder: Path) -> None:
    """Two segments and a deleted document: an article edited, one added."""
    shutil.copytree(index_template, folder)
    writer = reading._open(folder).writer()
    edited = search_index.IndexDocument(
        "reset-password",
        "en",
        "account",
        "Reset your password",
        "Forgot it? Reset it here.",
        ("Reset",),
        (),
        "Open the sign-in page and choose Forgot password. A zebracorn helps.",
        "changed",
    )
    added = search_index.IndexDocument(
        "zebra", "en", "account", "Zebracorn", "", (), (), "A zebracorn.", "h"
    )
    building._write(writer, [edited, added], 2, None)


def test_postings_read_directly_are_whoosh_postings(index_template: Path) -> None:
    box = search_index.Searcher(index_template)
    # Rare terms are stored inline, the others in blocks: both are read.
    assert _every_term_matches_whoosh(box._current()) > 100
    box.close()


def test_deleted_documents_and_new_segments_read_as_whoosh_does(
    index_template: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    _changed_index(index_template, folder)
    box = search_index.Searcher(folder)
    searcher = box._current()
    assert len(list(searcher.leaf_searchers())) == 2
    assert searcher.reader().has_deletions()
    _every_term_matches_whoosh(searcher)
    for text, langs in QUERIES:
        plan = box.plan(searcher, text, langs)
        total, ranked = box._rank(searcher, plan, None, 100)
        expected = _whoosh_rank(searcher, plan, 100)
        assert [doc for doc, _ in ranked] == [doc for doc, _ in expected], text
        assert [s for _, s in ranked] == pytest.approx([s for _, s in expected])
    assert box.search("zebracorn").hits[0].slug in {"zebra", "reset-password"}
    box.close()


def test_small_segments_are_read_from_memory_and_large_ones_from_the_file(
    index_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = search_index.Searcher(index_template)
    terms = next(iter(box._current().leaf_searchers()))[0].reader()._terms
    assert isinstance(terms._dbfile, BufferFile)
    assert isinstance(terms._postfile, BufferFile)
    assert "term_info" in vars(terms)  # looked up in a dict of the table
    in_memory = box.search("lupa kata sandi").hits
    box.close()

    monkeypatch.setattr(reading, "IN_MEMORY_POSTINGS", 0)
    monkeypatch.setattr(reading, "TERM_TABLE_AS_DICT", 0)
    box = search_index.Searcher(index_template)
    terms = next(iter(box._current().leaf_searchers()))[0].reader()._terms
    assert isinstance(terms._dbfile, BufferFile)  # the term table always is
    assert not isinstance(terms._postfile, BufferFile)
    assert "term_info" not in vars(terms)  # Whoosh's own hash-table walk
    assert box.search("lupa kata sandi").hits == in_memory
    box.close()


def test_the_index_keeps_its_articles_stems_and_nothing_typed(
    index_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "index"
    shutil.copytree(index_template, folder)
    kept = json.loads((folder / search_index.STEMS_FILE).read_text())
    assert kept["schema"] == search_index.SCHEMA_VERSION
    stems = kept["stems"]
    assert stems["id"]["pembayaran"] == "bayar"
    assert stems["en"]["password"] == "password"
    assert all(stemming._stem_id(w) == stem for w, stem in stems["id"].items())
    assert all(stemming._stem_en(w) == stem for w, stem in stems["en"].items())

    # A worker starts with them: no word of the articles is stemmed again.
    monkeypatch.setattr(stemming, "_STEMS", {"id": {}, "en": {}})
    monkeypatch.setattr(stemming, "_stem_id", _never)
    monkeypatch.setattr(stemming, "_stem_en", _never)
    box = search_index.Searcher(folder)
    box.search("pembayaran", langs=("id",))
    box.search("password", langs=("en",))
    assert stemming.remembered_stems("id")["pembayaran"] == "bayar"
    monkeypatch.undo()

    # What a customer typed is stemmed in memory, never written beside the index.
    box.search("zzkrimpelan bayar")
    assert "zzkrimpelan" in stemming.remembered_stems("id")
    assert "zzkrimpelan" in stemming.remembered_stems("en")
    building._write_stems(folder)
    rewritten = json.loads((folder / search_index.STEMS_FILE).read_text())["stems"]
    assert "zzkrimpelan" not in rewritten["id"]
    assert "zzkrimpelan" not in rewritten["en"]
    for lang in ("id", "en"):  # every word kept, and only words of the articles
        assert stems[lang].items() <= rewritten[lang].items()
        assert set(rewritten[lang]) <= set(stems["id"]) | set(stems["en"])
    box.close()


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps({"schema": "0", "stems": {"id": {"a": "b"}}}), "[]"],
)
def test_an_unusable_stems_file_is_ignored(
    index_template: Path, tmp_path: Path, content: str
) -> None:
    folder = tmp_path / "index"
    shutil.copytree(index_template, folder)
    (folder / search_index.STEMS_FILE).write_text(content)
    assert building._read_stems(folder) == {}
    box = search_index.Searcher(folder)
    assert box.search("lupa kata sandi", langs=("id",)).total
    box.close()


def test_one_search_checks_the_index_folder_once(
    index_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = search_index.Searcher(index_template)
    box.search("warm up")
    checks = []
    real = searching._folder_state
    monkeypatch.setattr(
        searching,
        "_folder_state",
        lambda d, files=(): checks.append(d) or real(d, files),
    )
    with box.pinned():
        box.search("lupa kata sandi")
        box.correction("lupa kata sandu", ("id",))
        box.covers("lupa kata sandi", ("id",))
    assert len(checks) == 1
    box.search("lupa kata sandi")  # outside: each search checks again
    assert len(checks) == 2
    box.close()


def test_a_pinned_searcher_is_dropped_when_the_index_fails(
    index_template: Path,
) -> None:
    box = search_index.Searcher(index_template)
    with box.pinned():
        first = box._current()
        box.close()  # what a damaged index does
        assert box._current() is not first
    box.close()


def test_query_words_are_pinned_to_one_searcher_only_inside(
    index_template: Path,
) -> None:
    box = search_index.Searcher(index_template)
    with box.pinned(), box.pinned():  # nested blocks share the outer one
        held = box._pinned.searcher
    assert held is not None
    assert box._pinned.searcher is None
    box.close()


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_a_segment_damaged_in_place_is_noticed_by_the_next_search(
    index_template: Path, tmp_path: Path, keep: float
) -> None:
    # The term table is read from memory: without the files' sizes in the
    # folder check a truncated segment would go unnoticed (and unrepaired).
    folder = tmp_path / "index"
    shutil.copytree(index_template, folder)
    box = search_index.Searcher(folder)
    assert box.search("lupa kata sandi").total
    for segment in folder.glob("*.seg"):
        with segment.open("r+b") as handle:
            handle.truncate(int(segment.stat().st_size * keep))
    with pytest.raises(search_index.IndexUnavailable):
        box.search("lupa kata sandi")
    box.close()
