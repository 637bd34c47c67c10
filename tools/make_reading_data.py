"""Regenerate the derived data files of kb/reading (see kb/data/README.md).

Needs wordfreq 3.1.1 (not a dependency of Jawab: only this script uses it) and
PySastrawi (a dependency)::

    .venv/bin/pip install 'wordfreq==3.1.1'
    .venv/bin/python tools/make_reading_data.py

Writes ``kb/data/wordfreq-en-id.tsv`` (word frequencies in English and
Indonesian, the language evidence) and ``kb/data/indocollex-excluded.tsv`` (the
IndoCollex entries kb/reading/informal.py does not apply, with the reason).
"""

from __future__ import annotations

import re
from pathlib import Path

import Sastrawi
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from wordfreq import top_n_list, zipf_frequency

DATA = Path(__file__).resolve().parent.parent / "kb" / "data"
TOP = 20_000  # words per language in the frequency table
WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
# An informal form at least this common in English (Zipf >= 3: once per million
# words) and no rarer in English than in Indonesian is an English word, not slang.
ENGLISH_ZIPF = 3.0
# A formal word outside the root dictionary still counts as standard Indonesian
# when it is this common in Indonesian and more common there than in English.
INDONESIAN_ZIPF = 4.0
# Entries the automatic rules keep but that are wrong for everyday chat: two-letter
# abbreviations given a vulgar, sexual or far-fetched reading, and words given the
# wrong sense. Reviewed by hand; each is listed in indocollex-excluded.tsv.
MANUAL = {
    "ml": "ambiguous abbreviation given a sexual reading",
    "tt": "ambiguous abbreviation given a sexual reading",
    "su": "ambiguous abbreviation given a vulgar reading",
    "bb": "ambiguous abbreviation given a far-fetched reading",
    "ay": "ambiguous abbreviation given a far-fetched reading",
    "pc": "means private chat in social media, not computer",
    "km": "also kilometre; the reading kamu is one of several",
    "nyangkut": "means stuck (tersangkut), not concerning (menyangkut)",
    "ko": "means kok (surprise), not mengapa",
    "bete": "means bored or annoyed, not 'bosan total'",
    # Abbreviations that standard written Indonesian keeps as they are.
    "hp": "standard abbreviation (nomor HP), kept as written",
    "cs": "standard abbreviation (customer service), kept as written",
    "rp": "the currency symbol, kept as written",
    "kg": "a unit, kept as written",
}


def _frequency_table() -> list[tuple[str, float, float]]:
    words = {w for lang in ("en", "id") for w in top_n_list(lang, TOP) if WORD.match(w)}
    rows = [(w, zipf_frequency(w, "en"), zipf_frequency(w, "id")) for w in words]
    return sorted(rows)


def _excluded() -> list[tuple[str, str, str]]:
    roots_file = Path(Sastrawi.__file__).parent / "Stemmer" / "data" / "kata-dasar.txt"
    roots = set(roots_file.read_text("utf-8").split())
    stem = StemmerFactory().create_stemmer().stem

    def standard(word: str) -> bool:
        word = word.lower()
        if word in roots or stem(word) in roots:
            return True
        zi, ze = zipf_frequency(word, "id"), zipf_frequency(word, "en")
        return zi >= INDONESIAN_ZIPF and zi > ze

    source = (DATA / "indocollex-informal-formal.tsv").read_text("utf-8")
    out = []
    for line in source.splitlines()[1:]:
        informal, formal = line.split("\t")
        ze, zi = zipf_frequency(informal, "en"), zipf_frequency(informal, "id")
        if any(c.isdigit() for c in informal + formal):
            reason = "digits: amounts and units are read as written"
        elif ze >= ENGLISH_ZIPF and ze >= zi:
            reason = f"English word (Zipf en {ze:.1f} >= id {zi:.1f})"
        elif not all(standard(w) for w in re.split(r"[\s-]+", formal) if w):
            reason = "formal side is not standard Indonesian"
        elif informal in MANUAL:
            reason = "manual: " + MANUAL[informal]
        else:
            continue
        out.append((informal, formal, reason))
    return out


def main() -> None:
    """Write both files."""
    table = _frequency_table()
    with open(DATA / "wordfreq-en-id.tsv", "w", encoding="utf-8") as f:
        f.write("# word\tzipf_en\tzipf_id  (wordfreq 3.1.1, CC BY-SA 4.0)\n")
        for word, en, id_ in table:
            f.write(f"{word}\t{en:.1f}\t{id_:.1f}\n")
    excluded = _excluded()
    with open(DATA / "indocollex-excluded.tsv", "w", encoding="utf-8") as f:
        f.write("# informal\tformal\treason  (tools/make_reading_data.py)\n")
        for row in excluded:
            f.write("\t".join(row) + "\n")
    print(f"{len(table)} words, {len(excluded)} IndoCollex entries excluded")


if __name__ == "__main__":
    main()
