"""YAML that would stall a worker is refused with its file and line (issue 19, Low).

Nested aliases ("billion laughs") make a few hundred bytes stand for millions of
values; a value that is no valid date then made the search for its line walk
every copy (seconds per parse, a worker stalled past its timeout). Front matter,
``_categories.yml`` and ``_synonyms.yml`` share one loader that refuses aliases
and over-long texts.
"""

from __future__ import annotations

import time
from pathlib import Path

from helpers import csrf

from kb.storage import articles, synonyms

LEVELS = "abcdef"
# 220 bytes standing for 9**6 (531,441) strings, then a date that is no date.
BOMB = "\n".join(
    ["a: &a [x,x,x,x,x,x,x,x,x]"]
    + [
        f"{name}: &{name} [{','.join(['*' + below] * 9)}]"
        for below, name in zip(LEVELS, LEVELS[1:], strict=False)
    ]
)
# One level more: 261 bytes, 9**7 strings (a minute of CPU per parse before).
BOMB_7 = BOMB + "\ng: &g [" + ",".join(["*f"] * 9) + "]"
ALIASES = "YAML aliases (*name) are not allowed: write the value out in full"


def _timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def test_synonyms_with_aliases_are_refused_at_their_line(kb_cli, articles_dir) -> None:
    text = f"{BOMB}\nid:\n  2026-13-45: [tanggal]\n"
    (articles_dir / "_synonyms.yml").write_text(text, encoding="utf-8")
    result, seconds = _timed(lambda: kb_cli("check"))
    assert result.exit_code == 1
    assert f"_synonyms.yml:2: invalid YAML: {ALIASES}" in result.output
    assert seconds < 5  # was a stall: every copy walked for the date's line


def test_front_matter_with_aliases_is_refused_at_its_line() -> None:
    text = f"---\ntitle: Bom\nlang: en\n{BOMB}\nupdated: 2026-13-45\n---\nBody.\n"
    (found, problems), seconds = _timed(
        lambda: articles.parse_bytes(text.encode(), "bomb.md")
    )
    assert found is None
    assert [str(p) for p in problems] == [
        f"bomb.md:5: invalid YAML front matter: {ALIASES}"
    ]
    assert seconds < 2


def test_categories_with_aliases_are_refused_at_their_line(tmp_path: Path) -> None:
    (tmp_path / "_categories.yml").write_text(
        "base: &base {id: {title: Akun}, en: {title: Account}}\naccount: *base\n",
        encoding="utf-8",
    )
    categories, problems = articles.parse_categories(tmp_path)
    assert categories == {}
    assert [str(p) for p in problems] == [f"_categories.yml:2: invalid YAML: {ALIASES}"]


def test_a_text_longer_than_the_bound_is_refused_before_parsing() -> None:
    text = "id:\n" + "".join(f"  kata{n}: [frasa {n}]\n" for n in range(12_000))
    assert len(text) > 200_000
    (found, problems), seconds = _timed(lambda: synonyms.parse_text(text))
    assert [str(p) for p in problems] == [
        f"_synonyms.yml:1: invalid YAML: {len(text):,} characters is too long for a "
        "YAML text (at most 200,000)"
    ]
    assert seconds < 2


def test_an_alias_inside_quotes_is_only_text() -> None:
    found, problems = synonyms.parse_text('en:\n  "*star": ["five * stars"]\n')
    assert problems == []
    assert found.by_lang["en"] == {("star",): ("five stars",)}


def test_the_site_keeps_serving_with_a_bomb_in_the_synonyms(
    make_app, articles_dir
) -> None:
    (articles_dir / "_synonyms.yml").write_text(
        f"{BOMB_7}\nen:\n  2026-13-45: [date]\n", encoding="utf-8"
    )

    def serve_a_search():
        return make_app().test_client().get("/en/search?q=refund")

    response, seconds = _timed(serve_a_search)
    assert response.status_code == 200
    assert seconds < 20  # index built too; before: over 30 s, past the worker timeout


def test_the_editor_shows_the_alias_line(auth) -> None:
    client = auth.login("editor")
    bad = client.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(client, "/editor/synonyms"),
            "text": f"{BOMB}\nen:\n  2026-13-45: [date]\n",
        },
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "Line 2: invalid YAML: YAML aliases (*name) are not allowed" in page
