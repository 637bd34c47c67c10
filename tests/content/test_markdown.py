"""Rendering: sanitizing, anchors, section links, old anchors, slug links."""

from __future__ import annotations

import pytest

from kb.markdown import render, row_text


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">hi</p>',
        '<iframe src="https://evil.tld"></iframe>',
        "<svg onload=alert(1)></svg>",
        "![x](javascript:alert(1))",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "## Heading {onclick=alert(1)}",
        "<style>body{display:none}</style>",
        '<form action="https://evil.tld"><input name=a></form>',
    ],
)
def test_no_script_reaches_the_page(source: str) -> None:
    html = render(source).html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "<iframe" not in html and "<style" not in html and "<form" not in html
    assert "data:text/html" not in html


def test_safe_markup_survives() -> None:
    html = render(
        "**bold** [site](https://example.com) <kbd>Ctrl</kbd>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        '!!! warning "Careful"\n    Never share your OTP.\n'
    ).html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "<table>" in html and "<kbd>Ctrl</kbd>" in html
    assert 'class="admonition warning"' in html


def test_headings_get_readable_anchors_and_section_links() -> None:
    rendered = render(
        "## If the OTP code doesn't arrive\n\ntext\n\n### Still stuck?\n", lang="en"
    )
    anchors = [h.anchor for h in rendered.headings]
    assert anchors == ["if-the-otp-code-doesnt-arrive", "still-stuck"]
    assert '<h2 id="if-the-otp-code-doesnt-arrive">' in rendered.html
    assert 'href="#if-the-otp-code-doesnt-arrive"' in rendered.html
    assert 'aria-label="Copy link to this section"' in rendered.html


def test_section_link_label_follows_article_language() -> None:
    assert "Salin tautan ke bagian ini" in render("## Cara bayar\n", lang="id").html


def test_old_anchor_keeps_working() -> None:
    rendered = render("## New name\n", old_anchors={"old-name": "new-name"})
    assert '<span class="old-anchor" id="old-name"></span>' in rendered.html
    assert '<h2 id="new-name">' in rendered.html


def test_links_by_slug_are_resolved_and_collected() -> None:
    rendered = render(
        "See [refunds](refund-times#bank-transfer) and [top](#x).",
        resolve=lambda slug: f"/en/articles/{slug}",
    )
    assert 'href="/en/articles/refund-times#bank-transfer"' in rendered.html
    assert [(link.slug, link.anchor) for link in rendered.links] == [
        ("refund-times", "bank-transfer"),
        (None, "x"),
    ]


def test_plain_text_for_the_index_has_no_markup() -> None:
    rendered = render("## Title\n\nSome *text* & `<b>code</b>`.\n")
    assert rendered.text == "Title Some text & <b>code</b>."


def test_tables_scroll_in_a_focusable_labelled_region() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n", lang="id").html
    assert html.startswith(
        '<div aria-label="Tabel" class="table-wrap" role="region" tabindex="0"><table>'
    )


# -- table rows, read as answers (kb.services.answers) ---------------------------


def test_a_table_row_is_read_with_its_column_headers() -> None:
    source = (
        "## Refund\n\n"
        "| Metode pembayaran | Dana dikembalikan ke | Lama proses |\n|---|---|---|\n"
        "| RonaPay | Saldo RonaPay | Maksimal 1 jam |\n"
        "| GoPay, OVO, DANA, ShopeePay | E-wallet yang sama | 1–3 hari kerja |\n"
    )
    [section] = render(source).sections
    assert [row_text(row) for row in section.rows] == [
        "RonaPay — Dana dikembalikan ke: Saldo RonaPay; Lama proses: Maksimal 1 jam.",
        "GoPay, OVO, DANA, ShopeePay — Dana dikembalikan ke: E-wallet yang sama; "
        "Lama proses: 1–3 hari kerja.",
    ]
    # The section's text (indexed, and cut into snippets) is as it always was.
    assert section.text.startswith("Metode pembayaran · Dana dikembalikan ke · ")
    # A shorter row reads the same way, by whole cells.
    assert row_text(section.rows[0][:2]) == (
        "RonaPay — Dana dikembalikan ke: Saldo RonaPay."
    )


def test_a_row_without_headers_joins_its_cells_plainly_and_skips_empty_ones() -> None:
    source = "| | | |\n|---|---|---|\n| GoPay | | 1–3 hari kerja |\n| Kartu | x | y |\n"
    [section] = render(source).sections
    assert [row_text(row) for row in section.rows] == [
        "GoPay — 1–3 hari kerja.",
        "Kartu — x; y.",
    ]


def test_an_empty_cell_is_skipped_with_its_header() -> None:
    source = "| Metode | Biaya | Lama |\n|---|---|---|\n| COD |  | Saat paket tiba. |\n"
    [section] = render(source).sections
    assert [row_text(row) for row in section.rows] == ["COD — Lama: Saat paket tiba."]


def test_markup_and_links_inside_cells_are_plain_words() -> None:
    source = (
        "| Kanal | Balasan pertama: |\n|---|---|\n"
        "| **Email** ke [bantuan](mailto:bantuan@x.example) | `1–2` hari<br>kerja |\n"
        "| Telepon |  |\n"
    )
    [section] = render(source).sections
    # A row with one cell saying something is a fragment, not an answer.
    assert [row_text(row) for row in section.rows] == [
        "Email ke bantuan — Balasan pertama: 1–2 hari kerja."
    ]


def test_rows_follow_their_sections() -> None:
    source = (
        "| A | B |\n|---|---|\n| a1 | b1 |\n\n## Dua\n\nTeks.\n\n"
        "## Tiga\n\n| C | D |\n|---|---|\n| c1 | d1 |\n| c2 | d2 |\n"
    )
    intro, two, three = render(source).sections
    assert [row_text(r) for r in intro.rows] == ["a1 — B: b1."]
    assert two.rows == ()
    assert [row_text(r) for r in three.rows] == ["c1 — D: d1.", "c2 — D: d2."]
