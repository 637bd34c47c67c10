"""The data files of kb/reading, each loaded once, on first use (kb/data/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Jawab's lexicon of complaint language: category -> phrases (word tuples).

    Both languages' phrases are in each category: a code-mixed post is read with
    both, and the few words the two languages share mean the same in a post.
    """

    phrases: dict[str, frozenset[Phrase]]
    emoji: dict[str, frozenset[str]]
    acronyms: frozenset[str]

    def __getitem__(self, category: str) -> frozenset[Phrase]:
        return self.phrases[category]


@cache
def frequencies() -> dict[str, str]:
    """Word -> its Zipf frequencies, unparsed (see :func:`zipf`), from wordfreq."""
    text = (DATA / "wordfreq-en-id.tsv").read_text("utf-8")
    return dict(line.split("\t", 1) for line in text.splitlines()[1:])


@lru_cache(maxsize=16384)
def zipf(word: str) -> tuple[float, float]:
    """A word's Zipf frequency in English and in Indonesian (0 when unlisted)."""
    both = frequencies().get(word)
    if both is None:
        return 0.0, 0.0
    en, id_ = both.split("\t")
    return float(en), float(id_)


@cache
def informal_id() -> dict[str, str]:
    """Indonesian informal word -> standard form: IndoCollex less its exclusions,
    then Jawab's supplement (which wins)."""
    excluded = {line.split("\t")[0] for line in _lines("indocollex-excluded.tsv")}
    table = {}
    for line in _lines("indocollex-informal-formal.tsv")[1:]:  # first: a header
        informal, formal = line.split("\t")
        if informal not in excluded:
            table[informal] = formal.lower().replace("-nya", "nya")
    table.update(_pairs("informal-id.tsv"))
    return table


@cache
def informal_en() -> dict[str, str]:
    """English chat abbreviation -> standard form (Jawab's own list)."""
    return _pairs("informal-en.tsv")


@cache
def lexicon() -> Lexicon:
    """The complaint-language lexicon of both languages, merged by category."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load((DATA / "reading-lexicon.yml").read_text("utf-8"), Loader=loader)
    phrases: dict[str, set[Phrase]] = {}
    for lang in ("id", "en"):
        for category, entries in raw[lang].items():
            phrases.setdefault(category, set()).update(
                tuple(str(entry).lower().split()) for entry in entries
            )
    return Lexicon(
        {k: frozenset(v) for k, v in phrases.items()},
        {k: frozenset(v) for k, v in raw["emoji"].items()},
        frozenset(str(a).lower() for a in raw["acronyms"]),
    )


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _pairs(name: str) -> dict[str, str]:
    return dict(tuple(line.split("\t", 1)) for line in _lines(name))  # type: ignore[misc]
