"""Which section answers a text (kb/services/sections.py), over a small help center."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kb.services import articles, sections

PARCEL = """\
    ---
    title: Parcels from the seller to your door
    lang: en
    category: orders
    status: published
    ---

    Everything about parcels on their way from the seller to your door.

    ## Track a parcel

    Open Orders and tap Track to see every step of your parcel. The tracking
    number appears once the seller hands the parcel to the courier.

    ## How we pack

    Sellers pack each parcel in a box with padding, and the courier seals it.

    ## If the parcel is damaged

    Take photos of the box and the item, then report it from the order page
    within 2 days.

    ## If the tracking has not changed

    A status that stays the same since yesterday is normal at a sorting hub.
    After 3 days without an update, contact us.
    """
REFUND = """\
    ---
    title: Refunds
    lang: en
    category: payments
    status: published
    ---

    Refunds go back to the way you paid.

    ## Refund times

    A refund to a card takes a few working days.

    ## If your refund has not arrived

    A refund to a card can take a few more working days.
    """
# Other articles that talk about parcels a lot: "parcel" is a common word of
# this help center, "damaged" and "sorting" are not.
OTHERS = [
    f"""\
    ---
    title: Parcel {topic}
    lang: en
    category: orders
    status: published
    ---

    Every parcel has {topic}. A parcel, its parcel number and the parcel's
    courier are shown on the order page for each parcel.

    ## Parcel {topic} in detail

    The parcel {topic} depend on the parcel's size and the courier.
    """
    for topic in ("costs", "sizes", "insurance")
]


@pytest.fixture()
def library(tmp_path: Path) -> articles.Library:
    """A help center of a few English articles."""
    for name, text in [
        ("parcels", PARCEL),
        ("refunds", REFUND),
        *((f"parcel-{i}", t) for i, t in enumerate(OTHERS)),
    ]:
        (tmp_path / f"{name}.md").write_text(textwrap.dedent(text), "utf-8")
    return articles.load(tmp_path)


def test_the_section_holding_the_rare_words_wins(library) -> None:
    found = sections.choose(library, "parcels", "my parcel arrived damaged")
    assert found is not None and found.anchor == "if-the-parcel-is-damaged"
    found = sections.choose(library, "parcels", "parcel stuck at the sorting hub")
    assert found is not None and found.anchor == "if-the-tracking-has-not-changed"


def test_asking_words_never_choose_a_section(library) -> None:
    # "how" is in one heading only and no article's body, so by its rarity it
    # would weigh as much as "report"; it only makes the post a question.
    text = "how do i report it"
    scores = {s.anchor: s.score for s in sections.scored(library, "parcels", text)}
    assert scores["how-we-pack"] == 0
    found = sections.choose(library, "parcels", text)
    assert found is not None and found.anchor == "if-the-parcel-is-damaged"


def test_how_long_it_has_waited_never_chooses_a_section(library) -> None:
    # "yesterday" says when, not what: the section that happens to use it
    # (a rare word here) is no better an answer.
    found = sections.choose(library, "parcels", "parcel came damaged yesterday")
    assert found is not None and found.anchor == "if-the-parcel-is-damaged"
    scores = {
        s.anchor: s.score for s in sections.scored(library, "parcels", "yesterday")
    }
    assert not any(scores.values())


def test_a_heading_word_counts_more_than_the_same_word_in_a_body(library) -> None:
    scores = {s.anchor: s.score for s in sections.scored(library, "parcels", "track")}
    assert max(scores, key=lambda a: scores[a]) == "track-a-parcel"


def test_the_whole_article_when_only_its_opening_matches_or_nothing_does(
    library,
) -> None:
    assert sections.choose(library, "parcels", "everything on the way door") is None
    assert sections.choose(library, "parcels", "zebra crossing") is None
    assert sections.choose(library, "parcels", "") is None
    assert sections.choose(library, "no-such-article", "damaged") is None


def test_a_complaint_leans_to_the_section_for_when_it_went_wrong(library) -> None:
    text = "refund to my card"
    complaint = sections.choose(library, "refunds", text, complaint=True)
    question = sections.choose(library, "refunds", text, complaint=False)
    assert complaint and complaint.anchor == "if-your-refund-has-not-arrived"
    assert question and question.anchor == "refund-times"


def test_scores_come_in_page_order_with_the_opening_first(library) -> None:
    found = sections.scored(library, "parcels", "damaged parcel")
    assert [s.anchor for s in found] == [
        None,
        "track-a-parcel",
        "how-we-pack",
        "if-the-parcel-is-damaged",
        "if-the-tracking-has-not-changed",
    ]


def test_the_statistics_are_computed_once_per_content_version(
    library, tmp_path: Path
) -> None:
    first = sections._stats(library, "en")
    assert sections._stats(library, "en") is first
    assert (
        first.frequency[sections.stems("parcel", "en")[0]]
        > first.frequency[sections.stems("damaged", "en")[0]]
    )
    sections.scored(library, "parcels", "damaged")
    bags = sections._bags(library, "parcels", "en")
    assert sections._bags(library, "parcels", "en") is bags
    again = articles.load(tmp_path)  # a new content version, read afresh
    assert sections._stats(again, "en") is not first
    assert sections._bags(again, "parcels", "en") is not bags


def test_negation_words_never_choose_a_section(tmp_path: Path) -> None:
    # "never" says the code did not come, not what the post is about: the
    # section whose heading happens to say "Never share …" is no answer.
    (tmp_path / "codes.md").write_text(
        textwrap.dedent(
            """\
            ---
            title: Sign-in codes
            lang: en
            category: account
            status: published
            ---

            We send a code when you sign in.

            ## Never share your code

            Nobody from our team asks for your code. Keep the code to yourself.

            ## If the code does not arrive

            Wait a minute, then tap Resend. A code can arrive late at busy times.
            """
        ),
        "utf-8",
    )
    library = articles.load(tmp_path)
    found = sections.choose(library, "codes", "the code never arrives")
    assert found is not None and found.anchor == "if-the-code-does-not-arrive"
    scores = {s.anchor: s.score for s in sections.scored(library, "codes", "never")}
    assert not any(scores.values())
