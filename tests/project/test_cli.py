"""``kb`` commands as an editor runs them."""

from __future__ import annotations

from pathlib import Path


def test_index_builds_then_updates_incrementally(kb_cli, articles_dir: Path) -> None:
    first = kb_cli("index")
    assert first.exit_code == 0, first.output
    assert "index rebuilt: 4 added, 0 updated, 0 removed" in first.output
    again = kb_cli("index")
    assert "index updated: 0 added, 0 updated, 0 removed, 4 unchanged" in again.output
    page = articles_dir / "payments" / "refund-times.md"
    page.write_text(page.read_text().replace("one day", "two days"))
    (articles_dir / "payments" / "metode-pembayaran.md").unlink()
    changed = kb_cli("index")
    assert "0 added, 1 updated, 1 removed, 2 unchanged" in changed.output
    rebuilt = kb_cli("index", "--rebuild")
    assert "index rebuilt: 3 added" in rebuilt.output


def test_index_shows_progress(kb_cli) -> None:
    result = kb_cli("index")
    assert "indexing 4/4" in result.output


def test_search_prints_ranked_results(kb_cli) -> None:
    kb_cli("index")
    result = kb_cli("search", "password", "--lang", "en")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "2 result(s) for 'password'"
    assert lines[1].startswith(" 1. [en] Reset your password  (reset-password, score")


def test_search_names_the_section_and_the_fallback(kb_cli) -> None:
    kb_cli("index")
    result = kb_cli("search", "code does not arrive", "--lang", "en")
    assert "      section: If the code does not arrive (#if-the-code" in result.output
    other = kb_cli("search", "sandi", "--lang", "en")
    assert "nothing in en; showing id articles" in other.output


def test_search_suggests_spelling(kb_cli) -> None:
    kb_cli("index")
    result = kb_cli("search", "pasword", "--lang", "en")
    assert "did you mean: password" in result.output


def test_check_passes_on_clean_articles(kb_cli) -> None:
    result = kb_cli("check")
    assert result.exit_code == 0
    assert "5 article(s) OK" in result.output


def test_serve_is_available(kb_cli) -> None:
    result = kb_cli("serve", "--help")
    assert result.exit_code == 0 and "--port" in result.output
