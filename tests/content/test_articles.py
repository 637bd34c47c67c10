"""Article files: every problem named with file and line; one bad file never
takes the site down."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kb.services.articles import ContentStore, load


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    library = load(folder)
    return [str(p) for p in [*library.problems, *library.link_problems()]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\ntitle: A\nlang: en\ntags: [a, b\n---\nbody\n",
            "broken.md:5: invalid YAML front matter",
        ),
        (
            "---\ntitle: A\nlang: en\ncolour: red\n---\nbody\n",
            "broken.md:4: unknown field 'colour'",
        ),
        ("---\nlang: en\n---\nbody\n", "broken.md:1: missing required field 'title'"),
        (
            "---\ntitle: A\nlang: fr\n---\nbody\n",
            "broken.md:3: 'lang' must be one of id, en, not 'fr'",
        ),
        (
            "---\ntitle: A\nlang: en\nstatus: hidden\n---\nbody\n",
            "broken.md:4: 'status' must be published or draft",
        ),
        (
            "---\ntitle: A\nlang: en\nupdated: yesterday\n---\nbody\n",
            "broken.md:4: 'updated' must be a date",
        ),
        (
            "---\ntitle: A\nlang: en\nslug: Not A Slug\n---\nbody\n",
            "broken.md:4: slug 'Not A Slug' must be lowercase",
        ),
        ("No front matter here\n", "broken.md:1: missing front matter"),
        ("---\n- a\n- b\n---\nbody\n", "broken.md:2: front matter must be a mapping"),
    ],
)
def test_front_matter_errors_name_file_and_line(
    articles_dir: Path, text: str, expected: str
) -> None:
    write(articles_dir, "broken.md", text)
    found = problems_of(articles_dir)
    assert any(p.startswith(expected) for p in found), found


def test_invalid_utf8_is_reported(articles_dir: Path) -> None:
    (articles_dir / "latin1.md").write_bytes(b"---\ntitle: Caf\xe9\nlang: en\n---\n")
    assert any(
        p.startswith("latin1.md:2: file is not valid UTF-8")
        for p in problems_of(articles_dir)
    )


def test_duplicate_slugs_and_aliases(articles_dir: Path) -> None:
    write(
        articles_dir,
        "other/reset-password.md",
        "---\ntitle: Copy\nlang: en\n---\nbody\n",
    )
    write(
        articles_dir,
        "x.md",
        "---\ntitle: X\nlang: en\naliases: [forgot-password]\n---\nbody\n",
    )
    found = problems_of(articles_dir)
    assert any(
        p.startswith(
            "other/reset-password.md:1: duplicate slug "
            "'reset-password' (also account/reset-password.md)"
        )
        for p in found
    ), found
    assert any(
        p.startswith("x.md:4: duplicate alias 'forgot-password'") for p in found
    ), found


def test_links_to_unknown_articles_and_anchors(articles_dir: Path) -> None:
    write(
        articles_dir,
        "links.md",
        "---\ntitle: Links\nlang: en\n---\n\nIntro.\n\n"
        "See [nothing](no-such-article).\n"
        "See [bad anchor](refund-times#nowhere).\n"
        "See [here](#missing-here).\n"
        "See [draft](paylater).\n",
    )
    found = problems_of(articles_dir)
    assert "links.md:8: link to unknown article 'no-such-article'" in found
    assert "links.md:9: link to unknown anchor '#nowhere' in 'refund-times'" in found
    assert "links.md:10: link to unknown anchor '#missing-here'" in found
    assert "links.md:11: link to draft article 'paylater'" in found


def test_old_anchor_must_point_to_a_heading(articles_dir: Path) -> None:
    write(
        articles_dir,
        "anchors.md",
        "---\ntitle: A\nlang: en\nanchors:\n  old: nowhere\n---\n\n## Real\n",
    )
    assert (
        "anchors.md:4: old anchor 'old' points to '#nowhere', which no heading has"
    ) in problems_of(articles_dir)


def test_unknown_category_and_translation_clash(articles_dir: Path) -> None:
    write(
        articles_dir,
        "c.md",
        "---\ntitle: C\nlang: en\ncategory: nowhere\n"
        "translation: reset-password\n---\nbody\n",
    )
    found = problems_of(articles_dir)
    assert any(p.startswith("c.md:4: unknown category 'nowhere'") for p in found)
    assert any(
        p.startswith("c.md:5: translation 'reset-password' already has an 'en' article")
        or p.startswith(
            "c.md:5: translation 'reset-password' already has a 'en' article"
        )
        for p in found
    ), found


def test_test_corpus_is_clean(articles_dir: Path) -> None:
    assert problems_of(articles_dir) == []


def test_check_command_reports_and_fails(kb_cli, articles_dir: Path) -> None:
    ok = kb_cli("check")
    assert ok.exit_code == 0, ok.output
    write(articles_dir, "broken.md", "---\ntitle: [unclosed\nlang: en\n---\nbody\n")
    result = kb_cli("check")
    assert result.exit_code == 1
    assert (
        "broken.md:" in result.output and "invalid YAML front matter" in result.output
    )


def test_site_keeps_serving_when_one_file_is_broken(
    make_app, articles_dir: Path, caplog
) -> None:
    write(articles_dir, "broken.md", "---\ntitle: [unclosed\nlang: en\n---\nbody\n")
    client = make_app().test_client()
    assert client.get("/en/articles/reset-password").status_code == 200
    assert client.get("/en/articles/broken").status_code == 404
    data = client.get("/api/search?q=password").get_json()
    assert "reset-password" in [r["slug"] for r in data["results"]]
    assert any("broken.md" in record.getMessage() for record in caplog.records)


def test_updated_defaults_to_file_time(articles_dir: Path) -> None:
    library = load(articles_dir)
    assert library.all["metode-pembayaran"].updated.year >= 2026


def test_parse_cache_reuses_unchanged_files_and_sees_changes(
    articles_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    from kb.storage import articles as files

    calls: list[str] = []
    real = files.parse_article

    def counting(path, root):
        calls.append(path.name)
        return real(path, root)

    monkeypatch.setattr(files, "parse_article", counting)
    cache = tmp_path / "cache"
    first = load(articles_dir, cache)
    assert len(calls) == 5
    calls.clear()
    again = load(articles_dir, cache)
    assert calls == []
    assert again.all["reset-password"] == first.all["reset-password"]
    page = articles_dir / "payments" / "refund-times.md"
    page.write_text(page.read_text().replace("one day", "two days"))
    changed = load(articles_dir, cache)
    assert calls == ["refund-times.md"]
    assert "two days" in changed.all["refund-times"].body
    broken = articles_dir / "broken.md"
    broken.write_text("---\ntitle: [x\nlang: en\n---\n")
    load(articles_dir, cache)
    cached_problems = [str(p) for p in load(articles_dir, cache).problems]
    assert any(p.startswith("broken.md:3: invalid YAML") for p in cached_problems)


def test_content_changes_are_found_without_blocking_readers(
    articles_dir, monkeypatch
) -> None:
    import threading

    from kb.services import articles as articles_service

    store = ContentStore(articles_dir, reload_seconds=0.01)
    first = store.library()
    path = next(articles_dir.rglob("reset-password.md"))
    path.write_text(path.read_text().replace("title:", "title: Changed", 1))
    # Hold the background scan until the reader has been served, so the check
    # does not depend on how fast a loaded machine runs the thread.
    release = threading.Event()
    fingerprint = articles_service.files.fingerprint

    def slow_fingerprint(root):
        release.wait(10)
        return fingerprint(root)

    monkeypatch.setattr(articles_service.files, "fingerprint", slow_fingerprint)
    time.sleep(0.02)
    assert store.library() is first  # served at once; the scan runs beside it
    release.set()
    deadline = time.monotonic() + 10
    while store.library() is first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.library().get("reset-password").title.startswith("Changed")


BROKEN_FILES = {
    "bad-yaml.md": "---\ntitle: A\nlang: en\ntags: [a, b\n---\nbody\n",
    "bad-field.md": "---\ntitle: A\nlang: fr\ncolour: red\nstatus: hidden\n---\nx\n",
    "no-title.md": "---\nlang: en\nupdated: yesterday\n---\nbody\n",
    "bad-links.md": "---\ntitle: A\nlang: en\ncategory: nowhere\n---\n"
    "See [x](no-such-article) and [y](#nowhere).\n",
    "plain.md": "No front matter here\n",
    "deep.md": "---\ntitle: A\nlang: en\n---\n" + "[" * 20 + "x" + "]" * 20 + "\n",
    "_synonyms.yml": "id:\n  tf: tf\nfr:\n  a: [b]\n",
}


def test_every_problem_keeps_its_translatable_template(
    articles_dir: Path, tmp_path: Path
) -> None:
    from babel.messages.pofile import read_po

    for name, text in BROKEN_FILES.items():
        write(articles_dir, name, text)
    cache = tmp_path / "cache"
    load(articles_dir, cache)
    library = load(articles_dir, cache)  # the problems come back from the cache
    found = [*library.problems, *library.link_problems()]
    assert len(found) >= 12, found
    po = Path(__file__).parents[2] / "kb/translations/id/LC_MESSAGES/messages.po"
    with po.open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if m.id}
    for problem in found:
        # kb check prints the English message, made from the template
        assert problem.template % problem.params == problem.message, problem
        assert catalogue.get(problem.template), f"not translated: {problem.template}"
    messages = {p.message for p in found}
    assert "'lang' must be one of id, en, not 'fr'" in messages
    assert "'tf' maps to itself" in messages
    assert "link to unknown article 'no-such-article'" in messages
