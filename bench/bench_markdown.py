"""How long the worst Markdown still allowed takes to render, against a normal article.

    .venv/bin/python bench/bench_markdown.py [--repeat 7] [--unguarded]

Each "worst" text pushes one limit of ``kb/markdown.py`` (or all of them at
once) as far as it goes while staying within every other limit; the script
asserts that ``check_limits`` accepts it. The normal article is the longest
sample article. Every text is rendered ``--repeat`` times in the same run and
the median, the range and the ratio to the normal article are printed.

``--unguarded`` also times Python-Markdown on a few texts the limits refuse
(bypassing the check), against the time the check takes to refuse them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import timed  # noqa: E402
from kb import markdown  # noqa: E402
from kb.markdown import check_limits, render  # noqa: E402
from kb.services.articles import load  # noqa: E402

PROSE = (
    "Open the app, tap Account and choose Reset password; we send a code to the "
    "phone number on your account within a minute. "
)


def _fill(head: str, unit: Callable[[int], str], tail: str = "") -> str:
    """``head``, then ``unit(n)`` repeated while the text stays within the limits."""
    text, n = head, 0
    while True:
        piece = unit(n)
        candidate = text + piece
        if (
            len(candidate + tail) > markdown.MAX_CHARS
            or (candidate + tail).count("\n") + 1 > markdown.MAX_LINES
        ):
            return text + tail
        text, n = candidate, n + 1


def _table(rows: int, columns: int) -> str:
    # No border pipes: the check counts columns as pipes + 1.
    header = "|".join(f"Column {c}" for c in range(columns)) + "\n"
    separator = "|".join("---" for _ in range(columns)) + "\n"
    body = "".join(
        "|".join(f"cell {r}.{c}" for c in range(columns)) + "\n"
        for r in range(rows - 1)
    )
    return header + separator + body + "\n"


def _nested(depth: int) -> str:
    return (
        "".join(
            f"{'    ' * level}- step {level}: {PROSE[:40]}\n" for level in range(depth)
        )
        + "\n"
    )


def texts() -> dict[str, str]:
    """The normal article and the worst allowed texts, by name."""
    library = load(ROOT / "articles")
    normal = max(library.all.values(), key=lambda a: len(a.body))
    rows = markdown.MAX_TABLE_ROWS
    columns = markdown.MAX_TABLE_CELLS // rows
    abbreviations = (
        "".join(
            f"*[AB{n}]: abbreviation number {n}\n"
            for n in range(markdown.MAX_ABBREVIATIONS)
        )
        + "\n"
    )
    words = " ".join(f"AB{n}" for n in range(markdown.MAX_ABBREVIATIONS))
    unmatched = "[" * markdown.MAX_UNMATCHED + " "
    combined_head = (
        abbreviations
        + unmatched
        + PROSE * 10
        + "\n\n"
        + _table(rows, columns)
        + "".join(
            f"## Heading {n}\n\n{words}\n\n" for n in range(markdown.MAX_HEADINGS - 1)
        )
    )
    return {
        f"normal ({normal.path})": normal.body,
        "prose, max size": _fill("", lambda n: PROSE),
        "10 unclosed '[', one paragraph": _fill(unmatched, lambda n: PROSE),
        "brackets 8 deep": _fill("", lambda n: "[" * 8 + "x" + "]" * 8 + " "),
        "lists 8 deep": _fill("", lambda n: _nested(markdown.MAX_NESTING)),
        "quotes 8 deep": _fill(
            "", lambda n: ">" * markdown.MAX_NESTING + f" {PROSE[:60]}\n"
        ),
        f"table {rows}x{columns} + prose": _fill(
            _table(rows, columns), lambda n: PROSE + "\n\n"
        ),
        f"{markdown.MAX_HEADINGS} headings + prose": _fill(
            "".join(f"## Heading {n}\n\n" for n in range(markdown.MAX_HEADINGS)),
            lambda n: PROSE + "\n\n",
        ),
        f"{markdown.MAX_ABBREVIATIONS} abbreviations + prose": _fill(
            abbreviations, lambda n: f"{words} {PROSE}"
        ),
        "max lines of definitions": _fill("", lambda n: f"Term {n}\n: meaning {n}\n\n"),
        "all limits at once": _fill(
            combined_head, lambda n: _nested(markdown.MAX_NESTING)
        ),
    }


REFUSED = {
    "'[' x3000": "[" * 3000,
    "table 3000 rows": "a|b\n-|-\n" + "x|y\n" * 3000,
    "lists 150 deep": "".join(f"{'    ' * n}- x\n" for n in range(150)),
}


def main() -> None:
    """Print render times of the worst allowed texts against a normal article."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--unguarded", action="store_true")
    args = parser.parse_args()

    base = None
    header = f"{'text':42} {'chars':>7} {'lines':>6} {'median':>9} {'range':>17}"
    print(f"{header} {'x normal':>9}")
    for name, text in texts().items():
        problems = check_limits(text)
        assert not problems, (name, problems)
        render(text)  # warm up the per-thread converter
        times = timed(lambda text=text: render(text), args.repeat)
        median = statistics.median(times)
        base = base or median
        print(
            f"{name:42} {len(text):7,} {text.count(chr(10)) + 1:6,} "
            f"{median * 1000:7.1f}ms "
            f"{min(times) * 1000:7.1f}-{max(times) * 1000:6.1f}ms "
            f"{median / base:8.1f}x"
        )
    if args.unguarded:
        md, options = markdown._converter()
        options.update(resolve=lambda s: s, old_anchors={}, lang="en", links=[])
        print(f"\n{'refused text':42} {'check':>9} {'unguarded render':>17}")
        for name, text in REFUSED.items():
            assert check_limits(text), name
            check = statistics.median(
                timed(lambda t=text: check_limits(t), args.repeat)
            )

            def unguarded(text: str = text) -> None:
                md.reset()
                md.convert(text)

            rendered = statistics.median(timed(unguarded, max(1, args.repeat // 3)))
            print(f"{name:42} {check * 1000:7.2f}ms {rendered * 1000:15.0f}ms")


if __name__ == "__main__":
    main()
