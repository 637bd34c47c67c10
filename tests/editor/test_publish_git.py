"""Publishing as a unit against a real git that is slow, locked or damaged (issue 19).

The hooks, locks and damage are real: a pre-commit hook that sleeps, an
``index.lock`` left behind, a git process that still holds one, a garbled
``HEAD``, missing objects. Only the timeout is made short (``GIT_TIMEOUT``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import csrf, draft_form, git, new_draft, post_draft, rows

from kb.storage.models import Draft

ARTICLE = ("payments", "cara-refund.md")
SLOW_HOOK = "#!/bin/sh\nsleep 8\n"


def _state(repo: Path) -> tuple[str, str, str]:
    """The work tree, the staging area and HEAD, as git shows them."""
    return (
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "ls-files", "-s"),
        git(repo, "rev-parse", "HEAD"),
    )


def _hook(repo: Path, text: str) -> Path:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(text)
    hook.chmod(0o755)
    return hook


def _drafts(app) -> list[tuple[str, int, str]]:
    return [(d.state, d.revision, d.body) for d in rows(app, Draft)]


def _publish(client, draft_id: int):
    return client.post(
        f"/editor/drafts/{draft_id}/publish", data=draft_form(client, draft_id)
    )


@pytest.mark.parametrize("existing", [False, True])
def test_a_hook_slower_than_the_timeout_rolls_the_publish_back(
    auth, repo, existing
) -> None:
    auth.app.config["GIT_TIMEOUT"] = 1
    editor = auth.login("editor")
    if existing:  # a new version of a published article
        start = editor.post(
            "/editor/articles/refund-times/draft",
            data={"csrf_token": csrf(editor, "/editor/articles/refund-times")},
        )
        draft_id = int(start.headers["Location"].rsplit("/", 1)[1])
        changed = post_draft(
            editor,
            draft_id,
            "save",
            title="Refund times",
            lang="en",
            slug="refund-times",
            body="Completely new words zebracorn.\n",
        )
        assert changed.status_code == 302
        target = repo / "payments" / "refund-times.md"
    else:
        draft_id = new_draft(editor)
        target = repo.joinpath(*ARTICLE)
    before_file = target.read_bytes() if target.exists() else None
    _hook(repo, SLOW_HOOK)
    before, drafts = _state(repo), _drafts(auth.app)

    started = time.monotonic()
    response = _publish(editor, draft_id)
    took = time.monotonic() - started

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Publishing failed; nothing was changed." in page
    assert "took longer than 1 s and was stopped" in page
    assert took < 6  # the hook's 8 s sleep was cut short, not waited for
    # Tree, staging area, HEAD and the draft are exactly as they were, and
    # git is left without a lock: the next command works.
    assert (target.read_bytes() if target.exists() else None) == before_file
    assert _state(repo) == before
    assert not list((repo / ".git").glob("*.lock"))
    assert _drafts(auth.app) == drafts
    # A retry once the hook is quick publishes (no "a file already exists").
    _hook(repo, "#!/bin/sh\nexit 0\n")
    assert _publish(editor, draft_id).status_code == 302
    assert git(repo, "status", "--porcelain") == ""
    assert [d.state for d in rows(auth.app, Draft)] == ["published"]


def test_a_stale_index_lock_is_removed_and_a_fresh_one_is_not(auth, repo) -> None:
    auth.app.config["GIT_TIMEOUT"] = 2
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    lock = repo / ".git" / "index.lock"
    # A lock an hour old with no git process behind it (a killed worker's):
    # removed, and the publish goes through.
    lock.write_bytes(b"")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    published = _publish(editor, draft_id)
    assert published.status_code == 302, published.get_data(as_text=True)[-2000:]
    assert not lock.exists()
    assert git(repo, "status", "--porcelain") == ""
    assert "Cara refund" in git(repo, "log", "-1", "--format=%s")
    # A lock younger than the timeout may be in use: left alone, 409.
    second = new_draft(editor, slug="cara-refund-2", title="Cara refund dua")
    lock.write_bytes(b"")
    before = _state(repo)
    busy = _publish(editor, second)
    assert busy.status_code == 409
    assert "Another git command is using the articles repository" in busy.get_data(
        as_text=True
    )
    assert lock.exists() and not (repo / "payments" / "cara-refund-2.md").exists()
    assert _state(repo) == before


def test_an_old_lock_a_live_git_process_holds_is_kept(auth, repo, tmp_path) -> None:
    auth.app.config["GIT_TIMEOUT"] = 2
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    # A person's `git commit -a` waiting in a hook holds index.lock.
    hooks = tmp_path / "their-hooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\nsleep 60\n")
    (hooks / "pre-commit").chmod(0o755)
    (repo / "payments" / "refund-times.md").write_text("changed by hand\n")
    theirs = subprocess.Popen(
        ["git", "-c", f"core.hooksPath={hooks}", "-c", "user.name=Them"]
        + ["-c", "user.email=them@example.com", "commit", "-q", "-a", "-m", "x"],
        cwd=repo,
        start_new_session=True,
    )
    try:
        lock = repo / ".git" / "index.lock"
        for _ in range(100):
            if lock.exists():
                break
            time.sleep(0.05)
        assert lock.exists()
        old = time.time() - 3600
        os.utime(lock, (old, old))  # old enough, but its git is alive
        busy = _publish(editor, draft_id)
        assert busy.status_code == 409
        assert f"git process {theirs.pid}" in busy.get_data(as_text=True)
        assert lock.exists() and not repo.joinpath(*ARTICLE).exists()
    finally:
        os.killpg(theirs.pid, signal.SIGKILL)
        theirs.wait()


def _garble_head(repo: Path) -> None:
    (repo / ".git" / "HEAD").write_text("this is not a ref\n")


def _lose_objects(repo: Path) -> None:
    for folder in (repo / ".git" / "objects").iterdir():
        if len(folder.name) == 2:
            shutil.rmtree(folder)


@pytest.mark.parametrize("damage", [_garble_head, _lose_objects])
def test_a_damaged_repository_refuses_to_publish(auth, repo, damage, kb_cli) -> None:
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    form = draft_form(editor, draft_id)
    damage(repo)
    refused = editor.post(f"/editor/drafts/{draft_id}/publish", data=form)
    assert not repo.joinpath(*ARTICLE).exists()
    assert [d.state for d in rows(auth.app, Draft)] == ["editing"]
    assert refused.status_code == 503
    page = refused.get_data(as_text=True)
    assert "The articles repository is damaged" in page
    assert "Publishing is off" in page
    listing = editor.get("/editor/").get_data(as_text=True)
    assert "Publishing is off: the articles repository is damaged." in listing
    synonyms = editor.post(
        "/editor/synonyms",
        data={
            "csrf_token": csrf(editor, "/editor/synonyms"),
            "text": "en:\n  pw: [password]\n  warranty gadget: [warranty]\n",
        },
    )
    assert synonyms.status_code == 503
    assert "warranty gadget" not in (repo / "_synonyms.yml").read_text()
    result = kb_cli("check")
    assert result.exit_code == 1
    assert "git: the articles repository is damaged" in result.output


def test_kb_check_is_quiet_about_a_sound_repository(repo, kb_cli) -> None:
    result = kb_cli("check")
    assert "git:" not in result.output
    assert result.exit_code == 0, result.output


def test_the_configured_git_timeout_is_the_one_git_repo_budgets_for() -> None:
    """KB_GIT_TIMEOUT's documented default is git_repo's third of gunicorn's 30 s."""
    from kb.config import defaults
    from kb.storage import git_repo

    assert defaults("/tmp")["GIT_TIMEOUT"] == git_repo.TIMEOUT
