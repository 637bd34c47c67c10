"""SearchService.confidences: each hit's coverage times its lead over the best rival."""

from __future__ import annotations

import itertools

import pytest

from kb.services.search import SearchService
from kb.storage.search_index import Hit, Hits

pytestmark = pytest.mark.read_only


def _hits(scores: tuple[float, ...], coverage: float = 1.0) -> Hits:
    return Hits(
        len(scores),
        tuple(
            Hit(f"a{i}", "id", "c", "t", "s", score, "", coverage=coverage)
            for i, score in enumerate(scores)
        ),
        None,
    )


def _by_definition(hits: Hits) -> list[float]:
    scores = [max(0.0, h.score) for h in hits.hits]
    found = []
    for i, hit in enumerate(hits.hits):
        rival = max(scores[:i] + scores[i + 1 :], default=0.0)
        lead = 1 - rival / scores[i] if scores[i] else 0.0
        found.append(round(hit.coverage * max(0.0, lead), 3))
    return found


@pytest.mark.parametrize(
    "scores",
    [
        (),
        (4.0,),
        (0.0,),
        (8.0, 2.0, 1.0),
        (2.0, 8.0, 8.0),  # a tie for the top: no lead for either
        (3.0, -1.0, 0.0),
        *itertools.permutations((5.0, 3.0, 3.0, 1.0)),
    ],
)
def test_each_hits_rival_is_the_best_other_hit(scores) -> None:
    hits = _hits(scores, coverage=0.8)
    assert SearchService.confidences(hits) == _by_definition(hits)


def test_corrected_and_weak_hits_are_worth_nothing() -> None:
    from dataclasses import replace

    hits = _hits((8.0, 1.0))
    assert SearchService.confidences(replace(hits, corrected=True)) == [0.0, 0.0]
    assert SearchService.confidences(replace(hits, weak_match=True)) == [0.0, 0.0]
