"""Generate a synthetic help center of N articles from the sample articles' text.

Sentences and headings are drawn (seeded, reproducible) from ``articles/`` so the
vocabulary and lengths look like real help-center articles in both languages.

    .venv/bin/python bench/corpus.py /tmp/corpus10k --count 10000
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from kb.services.articles import load

ROOT = Path(__file__).resolve().parent.parent
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _material(lang: str) -> tuple[list[str], list[str], list[str]]:
    library = load(ROOT / "articles")
    titles, headings, sentences = [], [], []
    for article in library.all.values():
        if article.lang != lang:
            continue
        titles.append(article.title)
        for line in article.body.splitlines():
            line = line.strip()
            if line.startswith("## "):
                headings.append(line[3:])
            elif line and not line.startswith(("|", "!!!", "#", "-", "```")):
                sentences.extend(s for s in _SENTENCE.split(line) if len(s) > 20)
    return titles, headings, sentences


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` articles (half Indonesian, half English) into ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    material = {lang: _material(lang) for lang in ("id", "en")}
    categories = ["account", "payments", "orders", "returns", "privacy", "community"]
    for n in range(count):
        lang = "id" if n % 2 else "en"
        titles, headings, sentences = material[lang]
        words = rng.choice(titles).split()
        rng.shuffle(words)
        title = " ".join(words[: rng.randint(3, 8)]).strip(" ?.")
        body = []
        body.append(" ".join(rng.sample(sentences, rng.randint(1, 3))))
        for _ in range(rng.randint(2, 4)):
            body.append(f"## {rng.choice(headings)} {n}")
            chosen = rng.sample(sentences, rng.randint(3, 7))
            if rng.random() < 0.4:  # real articles are often steps or bullet lists
                body.append("\n".join(f"- {s}" for s in chosen))
            else:
                body.append(" ".join(chosen))
        text = (
            "---\n"
            f"title: {json.dumps(f'{title} {n}', ensure_ascii=False)}\n"
            f"lang: {lang}\n"
            f"category: {rng.choice(categories)}\n"
            f"summary: {json.dumps(rng.choice(sentences), ensure_ascii=False)}\n"
            "---\n\n" + "\n\n".join(body) + "\n"
        )
        sub = folder / f"part{n // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"gen-{n:05d}.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    generate(args.folder, args.count)
    print(f"wrote {args.count} articles to {args.folder}")


if __name__ == "__main__":
    main()
