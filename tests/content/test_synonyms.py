"""Synonyms: customers' words find articles written in the shop's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.services.articles import load
from kb.storage.synonyms import parse

# Its ``client`` tests only read: one app serves them all (conftest.py).
pytestmark = pytest.mark.read_only


def test_slang_finds_the_article(client) -> None:
    data = client.get("/api/search?q=pw&lang=en").get_json()
    assert data["results"][0]["slug"] == "reset-password"
    data = client.get("/api/search?q=I+want+my+money+back&lang=en").get_json()
    assert data["results"][0]["slug"] == "refund-times"


def test_without_synonyms_only_the_chat_word_dictionary_reads_slang(
    make_app, articles_dir: Path
) -> None:
    # Since issue 21 search also reads chat words through the reading
    # normaliser's dictionaries ("pw" is "password" there), so common slang
    # is found without a synonyms file; a site's own term still needs one.
    (articles_dir / "_synonyms.yml").unlink()
    client = make_app().test_client()
    data = client.get("/api/search?q=pw&lang=en").get_json()
    assert data["results"][0]["slug"] == "reset-password"
    assert client.get("/api/search?q=rpx&lang=en").get_json()["total"] == 0


def test_literal_matches_stay_next_to_synonym_matches(client, articles_dir) -> None:
    (articles_dir / "account" / "pw.md").write_text(
        "---\ntitle: What PW means on your receipt\nlang: en\n---\n\nPW is a code.\n"
    )
    data = client.get("/api/search?q=pw&lang=en").get_json()
    assert set([r["slug"] for r in data["results"]][:2]) == {"pw", "reset-password"}


def test_expansion_matches_whole_words_and_phrases(articles_dir: Path) -> None:
    synonyms, problems = parse(articles_dir)
    assert problems == []
    assert synonyms.expand("my pw please", ("en",)) == ["password"]
    assert synonyms.expand("pwned", ("en",)) == []
    assert synonyms.expand("get my money back", ("en", "id")) == ["refund"]
    assert synonyms.expand("money", ("en",)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fr:\n  a: [b]\n", "_synonyms.yml:1: unknown language 'fr'"),
        (
            "en:\n  pw: [password]\n  pw: [pass]\n",
            "_synonyms.yml:3: 'pw' is listed twice",
        ),
        ("en:\n  pw: {a: b}\n", "_synonyms.yml:2: 'pw' must map to a phrase"),
        ("en:\n  pw: [pw]\n", "_synonyms.yml:2: 'pw' maps to itself"),
        ("en:\n  pw: [password\n", "_synonyms.yml:3: invalid YAML"),
        ("en: [a, b]\n", "_synonyms.yml:1: 'en' must map words to lists of phrases"),
    ],
)
def test_problems_name_the_line(articles_dir: Path, text: str, expected: str) -> None:
    (articles_dir / "_synonyms.yml").write_text(text)
    found = [str(p) for p in load(articles_dir).problems]
    assert any(p.startswith(expected) for p in found), found


def test_shipped_synonyms_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "articles"
    synonyms, problems = parse(root)
    assert problems == []
    assert synonyms.expand("berapa ongkir ke bandung", ("id",)) == ["ongkos kirim"]
