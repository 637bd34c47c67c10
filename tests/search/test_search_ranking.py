"""The in-memory ranking agrees with Whoosh's own matcher and collector."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from whoosh import collectors, query

from kb.storage import search_index
from kb.storage.search_index import building, reading, scoring
from kb.storage.synonyms import parse_text

QUERIES = [
    ("lupa kata sandi", ("id",)),
    ("cara bayar pakai qris", ("id",)),
    ("pesanan belum sampai", ("id", "en")),
    ("reset my password", ("en",)),
    ("refund money back", ("en", "id")),
    ("how do I change the delivery address of my order", ("en",)),
    ("the", ("en",)),
    ("bagaimana cara", ("id",)),
]


def _whoosh_rank(searcher, plan, category, depth):
    """What the ranking did before: Whoosh's union matcher and top-N collector."""
    q: query.Query = scoring._UnionOr(plan.required)
    if category:
        q = query.And([q, query.Term("category", category)])
    collector = collectors.TopCollector(limit=depth, usequality=False)
    searcher.search_with_collector(q, collector)
    results = collector.results()
    scores = {results.docnum(i): results.score(i) for i in range(len(results.top_n))}
    if plan.optional and scores:
        scoring._add_scores(searcher, plan.optional, scores)
    return len(results), sorted(scores.items(), key=lambda it: (-it[1], it[0]))


def _docs(searcher, term: query.Term) -> set[int]:
    if (term.fieldname, term.text) not in searcher.reader():
        return set()
    return set(searcher.postings(term.fieldname, term.text).all_ids())


@pytest.mark.parametrize(("text", "langs"), QUERIES)
@pytest.mark.parametrize("category", [None, "account", "payments"])
def test_same_order_scores_and_total_as_whoosh(
    sample_client, text: str, langs: tuple[str, ...], category: str | None
) -> None:
    folder = Path(sample_client.application.config["SEARCH_INDEX_DIR"])
    searcher_box = search_index.Searcher(folder)
    searcher = searcher_box._current()
    plan = searcher_box.plan(searcher, text, langs)
    assert plan.required
    matching = set().union(*(_docs(searcher, t) for t in plan.required))
    if category:
        matching &= _docs(searcher, query.Term("category", category))
    for depth in (3, 100):
        total, ranked = searcher_box._rank(searcher, plan, category, depth)
        whoosh_total, expected = _whoosh_rank(searcher, plan, category, depth)
        assert [doc for doc, _ in ranked] == [doc for doc, _ in expected]
        assert [s for _, s in ranked] == pytest.approx([s for _, s in expected])
        # Every match is counted; Whoosh's collector, once its top N was full,
        # swapped in matchers that skip what cannot enter it, and undercounted.
        assert total == len(matching) >= whoosh_total
    searcher_box.close()


def test_a_new_generation_written_elsewhere_is_seen(
    index_template: Path, tmp_path: Path
) -> None:
    # The folder's stat decides when to ask Whoosh: a write by another
    # process (here another writer) must still show up in the next search.
    folder = tmp_path / "index"
    shutil.copytree(index_template, folder)
    reader = search_index.Searcher(folder)
    assert reader.search("zebracorn").total == 0
    doc = search_index.IndexDocument(
        "zebra", "en", "account", "Zebracorn", "", (), (), "A zebracorn.", "h"
    )
    writer = reading._open(folder).writer()
    building._write(writer, [doc], 1, None)
    assert reader.search("zebracorn").total == 1
    reader.close()


def test_synonym_sources_keep_the_files_order() -> None:
    synonyms, problems = parse_text(
        "id:\n  tf: [transfer]\n  ongkir telat: [pengiriman terlambat]\n"
        "  ongkir: [ongkos kirim]\n"
    )
    assert not problems
    found = synonyms.sources("ongkir telat tf", ("id",))
    assert list(found) == ["transfer", "pengiriman terlambat", "ongkos kirim"]
    assert found["pengiriman terlambat"] == ("ongkir", "telat")
    assert synonyms.sources("telat", ("id",)) == {}
    assert synonyms.key_words(("id",)) == {"tf", "ongkir", "telat"}
