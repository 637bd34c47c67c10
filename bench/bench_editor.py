"""Publishing one article from the web editor vs ``kb index`` after one changed file.

On a generated help center of ``--count`` articles (``bench/corpus.py``) in a git
repository, each repeat measures, in the same process and run:

- **publish**: an editor's POST that publishes a changed article (checks, atomic
  write, ``git commit`` under the lock, incremental index update), then the article
  page and a search for a word only the new text has, both through the app: the
  time until the change is visible on the site and in search;
- **kb index (in process)**: one other file changed on disk, then what ``kb index``
  does — a fresh look at the folder and an incremental index update;
- **kb index (command)**: the same through the real ``kb index`` command in a new
  process (interpreter start-up included).

    .venv/bin/python bench/bench_editor.py --count 10000 --repeat 5

``--keep DIR`` generates, commits and indexes the folder once into ``DIR`` and
reuses it on the next runs (generating 10,000 articles takes minutes); each run
adds a few commits to it, which changes nothing measured.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import generate  # noqa: E402
from bench.timing import span_with_median  # noqa: E402
from kb import create_app  # noqa: E402
from kb.services import editing, users  # noqa: E402
from kb.services.search import update_index  # noqa: E402
from kb.storage import migrate  # noqa: E402
from kb.storage.db import standalone_session  # noqa: E402
from kb.storage.models import Draft  # noqa: E402

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(folder),
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.com",
            *args,
        ],
        check=True,
        capture_output=True,
    )


def _token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = _CSRF.search(page) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    assert found, url
    return found.group(1)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="generate into this folder once and reuse it on later runs",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jawab-bench-editor-") as tmp_name:
        tmp = args.keep.resolve() if args.keep else Path(tmp_name)
        articles = tmp / "articles"
        started = time.perf_counter()
        ready = tmp / f"ready-{args.count}"
        fresh = not ready.exists()
        if fresh:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            generate(articles, args.count)
            _git(articles, "init", "-q", "-b", "main")
            _git(articles, "add", "-A")
            _git(articles, "commit", "-q", "-m", "generated")
        database = f"sqlite:///{tmp / 'kb.sqlite3'}"
        migrate.upgrade(database)
        config = {
            "SECRET_KEY": "bench",
            "ARTICLES_DIR": str(articles),
            "SEARCH_INDEX_DIR": str(tmp / "search_index"),
            "DATABASE_URL": database,
            "RELOAD_SECONDS": 2,
            "RATELIMIT_ENABLED": False,
        }
        app = create_app(config)
        with app.app_context():
            update_index(app.extensions["jawab.content"], tmp / "search_index")
            if fresh:
                with standalone_session() as db:
                    users.create(
                        db, "editor@bench.example", "editor", PASSWORD, name="Ed"
                    )
        ready.touch()
        print(
            f"{args.count} articles {'generated, committed and ' if fresh else ''}"
            f"indexed in {time.perf_counter() - started:.0f} s"
        )
        env = {
            **os.environ,
            "KB_ARTICLES_DIR": str(articles),
            "KB_SEARCH_INDEX_DIR": str(tmp / "search_index"),
            "KB_DATABASE_URL": database,
            "KB_SECRET_KEY": "bench",
        }
        kb = [sys.executable, "-c", "from kb.cli import main; main()"]

        client = app.test_client()
        client.post(
            "/agent/login",
            data={
                "csrf_token": _token(client, "/agent/login"),
                "email": "editor@bench.example",
                "password": PASSWORD,
            },
        )
        publish_s, index_s, command_s = [], [], []
        paths = sorted(articles.rglob("*.md"))
        for n in range(args.repeat):
            # -- publish one article through the editor and see it everywhere
            target = paths[10 + n]
            slug = target.stem
            word = f"zqpublish{n}x"
            response = client.post(
                f"/editor/articles/{slug}/draft",
                data={"csrf_token": _token(client, f"/editor/articles/{slug}")},
            )
            draft_url = response.headers["Location"]
            draft_id = int(draft_url.rsplit("/", 1)[1])
            with app.app_context(), standalone_session() as db:
                draft = db.get(Draft, draft_id)
                data = {name: getattr(draft, name) for name in editing.FORM_FIELDS}
            data.update(
                csrf_token=_token(client, draft_url),
                # The generated text links to sample slugs that are not in
                # this corpus (kb check refuses them): keep the link text.
                body=re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", data["body"])
                + f"\n\nTambahan {word}.\n",
                step="publish",
            )
            t0 = time.perf_counter()
            done = client.post(draft_url, data=data)
            assert done.status_code == 302, re.findall(
                r"<li>.*?</li>", done.get_data(as_text=True)
            )
            lang = data["lang"]
            seen = client.get(f"/{lang}/articles/{slug}").get_data(as_text=True)
            found = client.get(f"/api/v1/search?q={word}").get_json()
            publish_s.append(time.perf_counter() - t0)
            assert word in seen, "published text not on the article page"
            assert any(h["slug"] == slug for h in found["results"]), found

            # -- kb index after one changed file, in this process
            other = paths[len(paths) // 2 + n]
            other.write_text(other.read_text() + f"\nUbah {n}.\n", encoding="utf-8")
            t0 = time.perf_counter()
            with app.app_context():
                content = app.extensions["jawab.content"]
                content.reload()
                report = update_index(content, tmp / "search_index")
            index_s.append(time.perf_counter() - t0)
            assert report.updated == 1, report

            # -- the same through the kb index command
            other.write_text(other.read_text() + f"\nLagi {n}.\n", encoding="utf-8")
            t0 = time.perf_counter()
            subprocess.run([*kb, "index"], env=env, check=True, capture_output=True)
            command_s.append(time.perf_counter() - t0)

        ratios = [p / i for p, i in zip(publish_s, index_s, strict=True)]
        ratios_cmd = [p / c for p, c in zip(publish_s, command_s, strict=True)]
        print(f"repeats: {args.repeat}, load average {os.getloadavg()[0]:.1f}")
        print(f"publish + page + search : {span_with_median(publish_s)} s")
        print(f"kb index (in process)   : {span_with_median(index_s)} s")
        print(f"kb index (command)      : {span_with_median(command_s)} s")
        print(f"publish / kb index (in process): {span_with_median(ratios)}×")
        print(f"publish / kb index (command)   : {span_with_median(ratios_cmd)}×")
        app.extensions["jawab.search"].searcher.close()


if __name__ == "__main__":
    main()
