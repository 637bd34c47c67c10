"""The editor's "Done when" in a real browser: write, preview, approve, publish,
search, git log; two editors on one article; restore; closing mid-edit; axe."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import describe, violations
from flask import Flask
from helpers import add_staff, browser_sign_in, git, rows, serve
from playwright.sync_api import Browser, Page, expect

from kb.services import editing
from kb.storage.db import standalone_session
from kb.storage.models import Draft

pytestmark = pytest.mark.browser

FIRST = "rina@tokorona.example"
SECOND = "dewi@tokorona.example"
BODY = (
    "Kalau dana belum masuk, cek dulu metodenya.\n\n"
    "## Waktu refund\n\n"
    "| Metode | Waktu |\n|---|---|\n"
    "| E-wallet | 1 hari |\n| Bank | 3-7 hari kerja |\n\n"
    "!!! warning\n    Jangan kirim kode OTP kepada siapa pun.\n"
)
# Screenshots for people to look at: EDITOR_SHOTS=/some/folder pytest ...
SHOTS = os.environ.get("EDITOR_SHOTS")


@pytest.fixture()
def editor_app(make_app, database_url: str, repo: Path) -> Flask:
    """The app over a git repository of articles, two editors, no rate limits."""
    app = make_app(DATABASE_URL=database_url, RATELIMIT_ENABLED=False)
    add_staff(app, FIRST, "editor", name="Rina")
    add_staff(app, SECOND, "editor", name="Dewi")
    return app


@pytest.fixture()
def editor_url(editor_app: Flask) -> Iterator[str]:
    """Serve ``editor_app`` on a free loopback port."""
    yield from serve(editor_app)


sign_in = browser_sign_in


def _context(browser: Browser, **options):
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(15_000)
    return context


def _check_page(browser: Browser, base: str, path: str, name: str) -> None:
    """axe at 375 and 1280 px, light and dark (and a screenshot when asked)."""
    for width in (375, 1280):
        for scheme in ("light", "dark"):
            context = _context(
                browser,
                viewport={"width": width, "height": 900},
                color_scheme=scheme,
            )
            try:
                page = context.new_page()
                sign_in(page, base, SECOND)
                page.goto(base + path)
                if SHOTS:
                    Path(SHOTS).mkdir(parents=True, exist_ok=True)
                    page.screenshot(
                        path=f"{SHOTS}/{name}-{width}-{scheme}.png", full_page=True
                    )
                found = violations(page)
                assert not found, f"{path} {width} {scheme}:\n{describe(found)}"
                scroll = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                assert scroll <= 0, f"{path} scrolls sideways at {width} px"
            finally:
                context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_done_when(browser, editor_app: Flask, editor_url: str, repo: Path) -> None:
    with editor_app.app_context(), standalone_session() as db:
        editing.set_setting(db, editing.REQUIRE_SECOND_PERSON, "1")
    first_context, second_context = _context(browser), _context(browser)
    try:
        rina, dewi = first_context.new_page(), second_context.new_page()
        sign_in(rina, editor_url, FIRST)
        sign_in(dewi, editor_url, SECOND)

        # 1. Rina writes a new Indonesian article with a table and an admonition.
        rina.goto(f"{editor_url}/editor/")
        rina.get_by_role("link", name="New article").click()
        rina.get_by_label("Title").fill("Refund belum masuk")
        rina.get_by_label("Language").select_option("id")
        rina.get_by_label("Slug (the address)").fill("refund-belum-masuk")
        rina.get_by_label("Category").select_option("payments")
        rina.get_by_label("Summary").fill("Berapa lama refund sampai.")
        rina.get_by_label("Article text (Markdown)").fill(BODY)
        rina.get_by_role("button", name="Preview").click()
        preview = rina.locator(".editor-preview")
        expect(preview.locator("table")).to_contain_text("E-wallet")
        expect(preview.locator(".admonition.warning")).to_contain_text("OTP")
        expect(rina.get_by_text("kb check: no problems.")).to_be_visible()
        expect(rina.get_by_role("button", name="Publish")).to_have_count(0)
        rina.get_by_role("button", name="Ask for review").click()
        expect(rina.locator(".editor-flash")).to_contain_text("Sent for review")
        draft_url = rina.url

        # 2. Dewi approves it; it is published and found by search.
        dewi.goto(f"{editor_url}/editor/")
        dewi.get_by_role("link", name="Refund belum masuk").first.click()
        dewi.get_by_role("button", name="Approve and publish").click()
        expect(dewi.locator(".editor-flash").first).to_contain_text("Published")
        dewi.goto(f"{editor_url}/id/search?q=refund+belum+masuk")
        # In the results (a quick answer above them may link it too).
        found = dewi.locator(".result-list").get_by_role(
            "link", name="Refund belum masuk"
        )
        expect(found).to_be_visible()
        log = git(repo, "log", "--format=%an <%ae>", "--", "payments").splitlines()
        assert log.count(f"Rina <{FIRST}>") == 1
        assert git(repo, "log", "-1", "--format=%an").strip() == "Rina"

        # 3. Two editors edit one article: the second gets the conflict view.
        with editor_app.app_context(), standalone_session() as db:
            editing.set_setting(db, editing.REQUIRE_SECOND_PERSON, "0")
        rina.goto(f"{editor_url}/editor/articles/refund-times")
        rina.get_by_role("button", name="Edit this article").click()
        dewi.goto(f"{editor_url}/editor/articles/refund-times")
        dewi.get_by_role("button", name="Start another draft of my own").click()
        rina.get_by_label("Article text (Markdown)").fill("Rina's words.")
        rina.get_by_role("button", name="Publish").click()
        expect(rina.locator(".editor-flash").first).to_contain_text("Published")
        dewi.get_by_label("Article text (Markdown)").fill("Dewi's words.")
        dewi.get_by_role("button", name="Publish").click()
        expect(dewi.get_by_role("heading", level=1)).to_have_text(
            "Someone else changed this article"
        )
        expect(dewi.locator(".diff-side")).to_contain_text("Rina's words.")
        expect(dewi.locator(".diff-side")).to_contain_text("Dewi's words.")
        conflict_path = dewi.url.removeprefix(editor_url)
        assert "Rina's words." in (repo / "payments" / "refund-times.md").read_text()

        # 4. Restoring an old version works (as a new draft, then published).
        rina.goto(f"{editor_url}/editor/articles/refund-times/history")
        rina.get_by_role("link", name="initial").click()
        history_path = rina.url.removeprefix(editor_url)
        rina.get_by_role("button", name="Restore this version (as a new draft)").click()
        rina.get_by_role("button", name="Publish").click()
        expect(rina.locator(".editor-flash").first).to_contain_text("Published")
        assert (
            "Rina's words." not in (repo / "payments" / "refund-times.md").read_text()
        )

        # 5. Closing the browser mid-edit loses nothing.
        rina.goto(draft_url.replace("/conflict", ""))
        rina.goto(f"{editor_url}/editor/articles/reset-password")
        rina.get_by_role("button", name="Edit this article").click()
        rina.wait_for_load_state("load")  # closing before editor.js runs saves nothing
        typing_url = rina.url
        rina.get_by_label("Article text (Markdown)").fill("Typed, then the tab closed.")
        draft_id = int(typing_url.rsplit("/", 1)[1])
        _close_and_expect_saved(
            rina, editor_app, draft_id, "Typed, then the tab closed."
        )
        first_context.close()
    finally:
        second_context.close()
        first_context.close()

    for path, name in (
        ("/editor/", "list"),
        (draft_url.removeprefix(editor_url) + "?preview=1", "edit-preview"),
        (conflict_path, "conflict"),
        ("/editor/articles/refund-times/history", "history"),
        (history_path, "diff-inline"),
        (history_path + "?mode=side", "diff-side"),
    ):
        _check_page(browser, editor_url, path, name)


def expect_saved(app: Flask, draft_id: int, text: str) -> None:
    """Wait (briefly) until the beacon sent on closing has been stored."""
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        bodies = [d.body for d in rows(app, Draft) if d.id == draft_id]
        if bodies == [text]:
            return
        time.sleep(0.2)
    raise AssertionError(f"draft {draft_id} holds {bodies!r}, not {text!r}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_needs_update_and_scheduled_in_the_browser(
    browser, editor_app: Flask, editor_url: str, repo: Path
) -> None:
    import datetime as dt

    from helpers import execute
    from sqlalchemy import insert

    from kb.storage.models import VoteLog

    (repo / "payments" / "waktu-refund.md").write_text(
        "---\ntitle: Waktu refund baru\nlang: id\ncategory: payments\n"
        "publish_at: 2999-01-01 09:00\n---\n\nSegera.\n",
        encoding="utf-8",
    )
    editor_app.extensions["jawab.content"].reload()
    execute(
        editor_app,
        insert(VoteLog).values(
            key="browser-vote",
            slug="refund-times",
            lang="en",
            helpful=False,
            reason="outdated",
            comment="The bank took 10 days, not 7.",
            created_at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
        ),
    )
    context = _context(browser)
    try:
        page = context.new_page()
        sign_in(page, editor_url, FIRST)
        page.goto(f"{editor_url}/editor/articles/refund-times")
        page.get_by_role("button", name="Flag: this article needs an update").click()
        expect(page.locator(".field-error")).to_contain_text("Say what needs updating")
        page.get_by_label("What needs updating").fill("Bank transfers take 10 days.")
        page.get_by_role("button", name="Flag: this article needs an update").click()
        expect(page.locator(".editor-flash")).to_contain_text("Flagged")
        page.get_by_role("button", name="Flag with this vote").click()
        expect(page.locator(".update-reasons li")).to_have_count(2)
        expect(page.get_by_role("button", name="Flag with this vote")).to_have_count(0)
        page.goto(f"{editor_url}/editor/")
        # The file's 09:00 (UTC) in the site's zone, Asia/Jakarta.
        expect(
            page.get_by_text(
                re.compile(r"Scheduled for Jan 1, 2999, 4:00\s*PM GMT\+7")
            ).first
        ).to_be_visible()
        expect(page.get_by_text("2 reasons")).to_be_visible()

        # The live preview: typing is rendered by the next autosave.
        page.goto(f"{editor_url}/editor/articles/reset-password")
        page.get_by_role("button", name="Edit this article").click()
        # Type only once editor.js listens (a fill before it would not count).
        page.wait_for_url(re.compile(r"/editor/drafts/\d+$"))
        page.wait_for_load_state("load")
        page.get_by_label("Article text (Markdown)").fill(
            "Baru.\n\n| Metode | Waktu |\n|---|---|\n| Bank | 3 hari |\n\n"
            "[x](tidak-ada)\n"
        )
        # The first autosave comes within 4 s; the shared machine may add more.
        live = page.locator("#preview table")
        expect(live).to_contain_text("3 hari", timeout=30_000)
        expect(page.locator("#preview .editor-problems")).to_contain_text("tidak-ada")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/edit-live-preview-1280-light.png")
        page.goto(f"{editor_url}/editor/articles/waktu-refund")
        page.get_by_role("button", name="Edit this article").click()
        expect(
            page.get_by_text(
                re.compile(
                    r"The file says publish_at: 2999-01-01 09:00 \(UTC\), "
                    r"that is Jan 1, 2999, 4:00\s*PM GMT\+7"
                )
            )
        ).to_be_visible()
        scheduled_draft = page.url.removeprefix(editor_url)
        # Publish later, typed in the site's zone: the page says it back so.
        page.locator(".editor-schedule summary").click()
        expect(page.get_by_text("Time in Asia/Jakarta (GMT+7).")).to_be_visible()
        page.get_by_label("Publish at").fill("2999-01-02T09:00")
        page.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.locator(".editor-flash")).to_contain_text(
            re.compile(r"published at Jan 2, 2999, 9:00\s*AM GMT\+7")
        )
        expect(page.get_by_label("Publish at")).to_have_value("2999-01-02T09:00")
    finally:
        context.close()
    for path, name in (
        ("/editor/", "list-flagged"),
        ("/editor/articles/refund-times", "article-flagged"),
        ("/editor/articles/waktu-refund", "article-scheduled"),
        (scheduled_draft, "edit-scheduled"),
    ):
        _check_page(browser, editor_url, path, name)


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    """A page in a context of its own, closed afterwards."""
    context = _context(browser)
    yield context.new_page()
    context.close()


def _edit_reset_password(page: Page, base: str) -> int:
    """Sign in as the first editor, open a draft of reset-password; its id."""
    sign_in(page, base, FIRST)
    page.goto(f"{base}/editor/articles/reset-password")
    page.get_by_role("button", name="Edit this article").click()
    page.wait_for_url(re.compile(r"/editor/drafts/\d+$"))
    page.wait_for_load_state("load")
    return int(page.url.rsplit("/", 1)[1])


def _close_and_expect_saved(page, app: Flask, draft_id: int, text: str) -> None:
    """Close the tab as a person would (unload handlers run), then find the text."""
    # With run_before_unload, close() does not wait for the page to go, and
    # closing the context at once can drop the beacon sent as it goes.
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    expect_saved(app, draft_id, text)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_typing_before_the_script_runs_is_saved_on_closing(
    tab: Page, editor_app: Flask, editor_url: str
) -> None:
    # On a slow line an editor can type before the deferred editor.js runs; its
    # input events are gone by then, so the script must see the text differs.
    script = re.compile(r"/static/js/editor\.js")
    tab.route(script, lambda route: route.abort())
    draft_id = _edit_reset_password(tab, editor_url)
    tab.get_by_label("Article text (Markdown)").fill("Typed on a slow line.")
    tab.unroute(script)
    tab.add_script_tag(url=f"{editor_url}/static/js/editor.js")
    _close_and_expect_saved(tab, editor_app, draft_id, "Typed on a slow line.")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_closing_during_an_autosave_sends_the_text_again(
    tab: Page, editor_app: Flask, editor_url: str
) -> None:
    # The page's own autosave is cancelled when the page goes; if it had not got
    # through, only the beacon sent on leaving carries the text.
    draft_id = _edit_reset_password(tab, editor_url)
    held: list = []
    tab.route(
        re.compile(r"/autosave$"),
        lambda route: route.continue_() if held else held.append(route),
    )
    tab.get_by_label("Article text (Markdown)").fill("Typed during a save.")
    for _ in range(100):  # the autosave comes within 4 s; it is held, never answered
        if held:
            break
        tab.wait_for_timeout(100)
    assert held, "no autosave was sent"
    tab.wait_for_timeout(1000)  # held: the text is in no request that got through
    _close_and_expect_saved(tab, editor_app, draft_id, "Typed during a save.")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_indonesian_preview_shows_problems_in_indonesian(
    browser, editor_url: str
) -> None:
    body = "Cek dulu metodenya.\n\nLihat [panduan](tidak-ada) untuk langkahnya.\n"
    draft_url = ""
    for width in (375, 1280):
        for scheme in ("light", "dark"):
            context = _context(
                browser, viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            try:
                page = context.new_page()
                sign_in(page, editor_url, FIRST)
                if not draft_url:
                    page.goto(f"{editor_url}/editor/new")
                    page.get_by_label("Title").fill("Refund belum masuk")
                    page.get_by_label("Slug (the address)").fill("refund-belum-masuk")
                    page.get_by_label("Article text (Markdown)").fill(body)
                    page.get_by_role("button", name="Save").click()
                    expect(page).to_have_url(re.compile(r"/editor/drafts/\d+"))
                    draft_url = page.url
                context.add_cookies(
                    [{"name": "kb_lang", "value": "id", "url": editor_url}]
                )
                page.goto(draft_url)
                page.get_by_role("button", name="Pratinjau", exact=True).click()
                problems = page.locator("#body-problems")
                expect(problems).to_contain_text(
                    "Baris 3: tautan ke artikel yang tidak dikenal 'tidak-ada'"
                )
                if SHOTS:
                    Path(SHOTS).mkdir(parents=True, exist_ok=True)
                    page.screenshot(
                        path=f"{SHOTS}/preview-problem-id-{width}-{scheme}.png",
                        full_page=True,
                    )
                found = violations(page)
                assert not found, f"{width} {scheme}:\n{describe(found)}"
            finally:
                context.close()
