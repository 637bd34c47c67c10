"""How well and how fast kb.reading reads public posts.

    .venv/bin/python bench/bench_reading.py [--repeat 200] [--show]

Scores the development list (``tests/data/posts.yml``, the one the tests check)
and the held-out list (``tests/data/posts_heldout.yml``, never tuned against),
or any list in the same format given as arguments: language, code-mixing,
complaint, heated, thanks, and personal data (the kinds found equal the kinds
listed). ``--show`` prints each post read wrong. Then it times
:func:`kb.reading.read` on a 500-character post (median and best of ``--repeat``
runs, after a first call that loads the data) and prints the first call's time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import reading  # noqa: E402

LISTS = [
    ROOT / "tests" / "data" / "posts.yml",
    ROOT / "tests" / "data" / "posts_heldout.yml",
]
FIELDS = ("lang", "mixed", "complaint", "heated", "thanks", "personal_data")


def _score(posts: list[dict[str, Any]], show: bool) -> dict[str, float]:
    right = dict.fromkeys(FIELDS, 0)
    for post in posts:
        r = reading.read(post["post"])
        got = {
            "lang": r.lang,
            "mixed": r.mixed,
            "complaint": r.complaint,
            "heated": r.heated,
            "thanks": r.thanks,
            "personal_data": sorted(r.personal_data),
        }
        want = {
            **post,
            "mixed": post.get("mixed", False),
            "thanks": post.get("thanks", False),
        }
        want["personal_data"] = sorted(post["personal_data"])
        wrong = [f for f in FIELDS if got[f] != want[f]]
        for field in FIELDS:
            right[field] += field not in wrong
        if show and wrong:
            detail = ", ".join(f"{f}: {want[f]} -> {got[f]}" for f in wrong)
            print(f"    {detail} (heat {r.heat} {list(r.signals)}): {post['post']}")
    return {f: right[f] / len(posts) for f in FIELDS}


def main() -> None:
    """Print the scores of each list, then the timing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lists", nargs="*", type=Path, default=LISTS)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    reading.read("udah seminggu paket gue belum nyampe, CS lelet!! 0812 3456 7890")
    first = time.perf_counter() - start
    texts = []
    for path in args.lists:
        posts = yaml.safe_load(path.read_text("utf-8"))
        texts.extend(p["post"] for p in posts)
        scores = _score(posts, args.show)
        line = "  ".join(f"{f} {100 * v:.0f}%" for f, v in scores.items())
        print(f"{path.name} ({len(posts)} posts): {line}")
    post = " ".join(texts)[:500]
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        reading.read(post)
        runs.append(time.perf_counter() - start)
    print(
        f"read() on 500 characters: median {1000 * statistics.median(runs):.3f} ms, "
        f"best {1000 * min(runs):.3f} ms; first call (loads the data) "
        f"{1000 * first:.0f} ms"
    )


if __name__ == "__main__":
    main()
