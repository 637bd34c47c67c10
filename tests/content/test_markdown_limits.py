"""Markdown that would be slow or recurse too deep is refused before rendering.

Timing is never asserted here (``bench/bench_markdown.py`` measures it): each
test checks the structure — a clear problem at the right line instead of a
render that recurses or scans for seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import markdown
from kb.markdown import TooComplex, check_limits, render
from kb.services import articles as articles_service
from kb.services.articles import load

ROOT = Path(__file__).resolve().parents[2]
INTRO = "A normal paragraph.\n\nAnother one, with a [link](https://example.com).\n\n"
FRONT = "---\ntitle: Broken on purpose\nlang: en\ncategory: account\n---\n\n"
FRONT_LINES = FRONT.count("\n")  # the body starts on the next line


def _nested_list(levels: int, indent: str = "    ") -> str:
    return "".join(f"{indent * level}- level {level}\n" for level in range(levels))


BOMBS = {
    # kind: (the text after INTRO, line of that text where the problem starts)
    "nesting": (_nested_list(20), 9),  # level 8 (line 9) is 9 deep
    "quotes": (">" * 400 + " deep\n", 1),
    "bracket_run": ("Text " + "[" * 5000 + "\n", 1),
    "nested_brackets": ("[" * 20 + "x" + "]" * 20 + "\n", 1),
    "unmatched_angles": ("ok\n" + "a <b " * 50 + "\n", 2),
    "table": (
        "|a|b|\n|-|-|\n" + "|x|y|\n" * (markdown.MAX_TABLE_ROWS + 5),
        1,
    ),
    "wide_table": ("|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n", 1),
    "headings": (
        "## Same\n\n" * (markdown.MAX_HEADINGS + 1),
        2 * markdown.MAX_HEADINGS + 1,
    ),
    "abbreviations": (
        "".join(f"*[A{n}]: abbreviation {n}\n" for n in range(30)),
        markdown.MAX_ABBREVIATIONS + 1,
    ),
    "lines": ("x\n" * markdown.MAX_LINES, markdown.MAX_LINES + 1 - 4),
    "size": ("word " * (markdown.MAX_CHARS // 5 + 1), 1 - 4),
}
KINDS = {
    "nesting": "nesting",
    "quotes": "nesting",
    "bracket_run": "unmatched",
    "nested_brackets": "bracket_depth",
    "unmatched_angles": "unmatched",
    "table": "table_rows",
    "wide_table": "table_cells",
    "headings": "headings",
    "abbreviations": "abbreviations",
    "lines": "lines",
    "size": "size",
}
INTRO_LINES = INTRO.count("\n")


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_is_reported_at_its_line(name: str) -> None:
    text, line = BOMBS[name]
    problems = check_limits(INTRO + text)
    by_kind = {p.kind: p for p in problems}
    kind = KINDS[name]
    assert kind in by_kind, problems
    expected = 1 if kind == "size" else INTRO_LINES + line
    assert by_kind[kind].line == expected, problems
    assert by_kind[kind].found > by_kind[kind].limit
    assert str(by_kind[kind].limit) in by_kind[kind].message.replace(",", "")


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_render_refuses_a_bomb_instead_of_rendering_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args, **_kwargs):  # Python-Markdown must not even start
        raise AssertionError("the converter ran on text over the limits")

    monkeypatch.setattr(markdown, "_converter", never)
    with pytest.raises(TooComplex) as raised:
        render(INTRO + BOMBS[name][0])
    assert raised.value.problems
    assert f"line {raised.value.problems[0].line}:" in str(raised.value)


def test_the_issue_s_bombs_no_longer_recurse() -> None:
    # 400 nested list levels raised RecursionError after ~4 s; 5,000 '[' took 4 s.
    for text in (_nested_list(400), "[" * 5000, "x" + "[" * 50_000):
        with pytest.raises(TooComplex):
            render(text)


def test_code_and_escapes_do_not_count() -> None:
    text = (
        "Press `[[[[[[[[[[[[[[[[[[[[` or \\[" * 3
        + "\\[" * 40
        + "\n\n```\n"
        + "[" * 100
        + "\n"
        + " " * 60
        + "deep = 1\n```\n\n"
        + "* * * * * * * * * * * *\n"
    )
    assert check_limits(text) == []
    assert "deep = 1" in render(text).html


def test_matched_brackets_and_ordinary_tables_pass() -> None:
    text = (
        "[![logo](https://example.com/a.png)](https://example.com) (see "
        "[this (page)](https://example.com/x_(y))) a < b and <kbd>Ctrl</kbd>\n\n"
        "|a|b|\n|-|-|\n" + "|x|y|\n" * (markdown.MAX_TABLE_ROWS - 1) + "\n"
        "- one\n    - two\n        - three\n            - four\n"
    )
    assert check_limits(text) == []
    render(text)


def test_every_sample_article_is_within_the_limits() -> None:
    library = load(ROOT / "articles")
    assert len(library.all) > 50
    for article in library.all.values():
        assert check_limits(article.body) == [], article.path
    assert not [p for p in library.problems if "at most" in p.message]


def _add(folder: Path, name: str, body: str) -> Path:
    path = folder / "account" / f"{name}.md"
    path.write_text(FRONT + body, encoding="utf-8")
    return path


def test_kb_check_reports_each_bomb_with_path_and_line(kb_cli, articles_dir) -> None:
    _add(articles_dir, "deep-list", INTRO + _nested_list(20))
    _add(articles_dir, "brackets", INTRO + "Text " + "[" * 5000 + "\n")
    _add(articles_dir, "big-table", "|a|b|\n|-|-|\n" + "|x|y|\n" * 150)
    _add(articles_dir, "huge", "word " * markdown.MAX_CHARS)
    result = kb_cli("check")
    assert result.exit_code == 1, result.output
    body = FRONT_LINES + 1  # file line of the body's first line
    expected = [
        f"account/deep-list.md:{body + INTRO_LINES + 8}: lists, quotes or "
        "indentation nested 20 levels deep (at most 8)",
        f"account/brackets.md:{body + INTRO_LINES}: 5,000 unmatched '[', '(' or "
        "'<' (at most 10)",
        f"account/big-table.md:{body}: table has 151 rows (at most 100); split it",
        "account/huge.md:1: text is too long: ",
    ]
    for line in expected:
        assert line in result.output, result.output
    # The broken articles are skipped; the clean ones are still checked.
    assert "brackets nested" not in result.output  # an unclosed run: one message
    assert "4 problem(s) in 5 article(s)" in result.output


def test_an_index_update_with_a_bomb_still_indexes_the_others(
    make_app, articles_dir, caplog
) -> None:
    app = make_app()
    client = app.test_client()
    before = client.get("/api/search?q=password&lang=en").get_json()
    assert before["results"]
    _add(articles_dir, "bomb", INTRO + _nested_list(400))
    _add(articles_dir, "brackets", "Password " + "[" * 5000 + "\n")
    _add(articles_dir, "fine", "A fine new article about password safety.\n")
    with caplog.at_level("WARNING"):
        response = client.get("/api/search?q=password&lang=en")
    assert response.status_code == 200
    slugs = [r["slug"] for r in response.get_json()["results"]]
    assert "fine" in slugs and "bomb" not in slugs and "brackets" not in slugs
    assert set(r["slug"] for r in before["results"]) <= set(slugs)
    logged = caplog.text
    assert "account/bomb.md:1: text is too long" in logged
    assert f"account/brackets.md:{FRONT_LINES + 1}: 5,000 unmatched" in logged
    assert client.get("/en/articles/bomb").status_code == 404
    assert client.get("/en/articles/fine").status_code == 200


@pytest.fixture()
def fragile_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering raises RecursionError for any text containing EXPLODE."""
    real = articles_service.render

    def fragile(source: str, **options):
        if "EXPLODE" in source:
            raise RecursionError("maximum recursion depth exceeded")
        return real(source, **options)

    monkeypatch.setattr(articles_service, "render", fragile)


def test_an_article_that_still_fails_to_render_is_skipped(
    make_app, articles_dir, fragile_render, caplog
) -> None:
    _add(articles_dir, "explodes", "Password help that EXPLODE.\n")
    with caplog.at_level("ERROR"):
        app = make_app()  # builds the index: must not fail
    client = app.test_client()
    response = client.get("/api/search?q=password&lang=en")
    assert response.status_code == 200
    slugs = [r["slug"] for r in response.get_json()["results"]]
    assert slugs and "explodes" not in slugs
    assert "account/explodes.md" in caplog.text and "RecursionError" in caplog.text
    assert client.get("/en/articles/explodes").status_code == 404
    assert client.get("/api/articles/explodes").status_code == 404
    assert client.get("/en/articles/reset-password").status_code == 200
    with app.app_context():
        library = app.extensions["jawab.content"].library()
        problems = [str(p) for p in library.link_problems()]
    assert any(
        p.startswith("account/explodes.md:") and "could not render" in p
        for p in problems
    )


def test_staff_pages_survive_an_article_that_fails_to_render(
    make_app, articles_dir, fragile_render
) -> None:
    _add(articles_dir, "explodes", "Password help that EXPLODE.\n")
    app = make_app()
    with app.app_context():
        library = app.extensions["jawab.content"].library()
        assert library.headings("explodes") == ()
        assert library.headings("reset-password")
        assert library.anchors(library.all["explodes"]) == set()
