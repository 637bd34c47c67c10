"""Snippets come from the best-matching section, analysed at index time."""

from __future__ import annotations

import re

from kb.markdown import render
from kb.storage.snippets import StoredSection, best_snippet


def test_sections_keep_blocks_apart() -> None:
    rendered = render(
        "Intro text.\n\n## Steps\n\n- Open the app\n- Tap **Orders**\n\n"
        "| Method | Time |\n|---|---|\n| VA | 24 hours |\n\n"
        '!!! tip "Lost packages are refunded"\n    We refund in full.\n'
    )
    intro, steps = rendered.sections
    assert intro.anchor is None and intro.text == "Intro text."
    assert steps.anchor == "steps" and steps.heading == "Steps"
    assert "Steps" not in steps.text  # the heading is not glued to the text
    assert steps.text == (
        "Open the app · Tap Orders · Method · Time · VA · 24 hours · "
        "Lost packages are refunded · We refund in full."
    )


def test_best_section_and_window() -> None:
    filler = "Nothing to see here. " * 20
    text = filler + "Refunds reach your card in 5 days. " + filler
    start = text.index("Refunds")
    card = text.index("card", start)
    sections = [
        StoredSection(None, "", "Welcome to the help center.", {}, frozenset()),
        StoredSection(
            "card-refunds",
            "Card refunds",
            text,
            {"refund": (start,), "card": (card,)},
            frozenset({"card", "refund"}),
        ),
    ]
    snippet = best_snippet(sections, ["refund", "card"])
    assert snippet.anchor == "card-refunds" and snippet.heading == "Card refunds"
    assert "<mark>Refunds</mark> reach your <mark>card</mark>" in snippet.html
    assert snippet.html.startswith("… ") and snippet.html.endswith(" …")
    assert len(re.sub(r"<[^>]+>", "", snippet.html)) <= 210


def test_snippet_escapes_text() -> None:
    text = "Use <b>bold</b> & refund"
    start = text.index("refund")
    section = StoredSection("x", "X", text, {"refund": (start,)}, frozenset())
    html = best_snippet([section], ["refund"]).html
    assert html == "Use &lt;b&gt;bold&lt;/b&gt; &amp; <mark>refund</mark>"


def test_api_returns_the_matched_section(client) -> None:
    data = client.get(
        "/api/search", query_string={"q": "code does not arrive", "lang": "en"}
    ).get_json()
    first = data["results"][0]
    assert first["slug"] == "reset-password"
    assert first["section"] == {
        "anchor": "if-the-code-does-not-arrive",
        "heading": "If the code does not arrive",
        "url": "http://localhost/en/articles/reset-password"
        "#if-the-code-does-not-arrive",
    }
    assert first["highlights"].startswith("Wait a minute")  # the section's text


def test_results_page_links_to_the_section(client) -> None:
    page = client.get("/en/search?q=code+does+not+arrive").get_data(as_text=True)
    # The section link opens the article at that section (and previews it: ?s=).
    assert (
        '<a href="/en/articles/reset-password?s=if-the-code-does-not-arrive'
        '#if-the-code-does-not-arrive">'
        "Go to the section “If the code does not arrive”</a>"
    ) in page


def test_title_only_match_has_no_section(client) -> None:
    data = client.get("/api/search", query_string={"q": "forgot", "lang": "en"})
    for result in data.get_json()["results"]:
        assert result["section"] is None or result["section"]["anchor"]


def test_a_section_stored_before_rows_existed_loads_without_rows() -> None:
    row = (("Metode", "GoPay"), ("Lama", "1–3 hari kerja"))
    section = StoredSection("x", "X", "text", {}, frozenset(), (row,))
    assert StoredSection.from_stored(section.to_stored()) == section
    # An index built before (5 fields a section) still reads.
    older = StoredSection.from_stored(("x", "X", "text", {}, frozenset()))
    assert older.rows == () and older.text == "text"
