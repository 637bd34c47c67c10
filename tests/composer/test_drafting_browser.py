"""Answering a pasted post in a real browser (issue 21): three replies, live
counts, copy records the reply, switching a candidate; axe-core clean at 375
and 1280 px, light and dark, for an angry post, a calm question and a post
with an order number (screenshots in $JAWAB_SHOTS when it is set). A post that
only thanks: one thank-you whose copy button appears with JavaScript, copies
and records nothing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe import describe, violations
from flask import Flask
from helpers import add_staff, browser_sign_in, rows, serve, shot
from playwright.sync_api import Page, expect

from kb.storage.models import PublicReply

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[2]
AGENT = "agent@tokorona.example"
# (post, platform, thread link): the angry post's platform comes from its link.
POSTS = {
    "angry": (
        "udah seminggu paket gue belum nyampe, CS lelet!!",
        "x",
        "https://www.instagram.com/p/C0ffee/",
    ),
    "question": (
        "Can I cancel an order after paying? Seller hasn't shipped it",
        "x",
        "",
    ),
    "order-number": (
        "min no pesanan 2411889900 kok paketnya belum sampai juga ya, hp 081234567890",
        "tiktok",
        "",
    ),
}


@pytest.fixture()
def sample_app(make_app, tmp_path: Path) -> Flask:
    """The sample help center with an agent, no rate limits."""
    folder = tmp_path / "sample-articles"
    shutil.copytree(PROJECT / "articles", folder)
    app = make_app(ARTICLES_DIR=str(folder), RATELIMIT_ENABLED=False)
    add_staff(app, AGENT, "agent", name="Sari")
    return app


@pytest.fixture()
def base(sample_app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port."""
    yield from serve(sample_app)


def _draft(
    page: Page,
    base: str,
    post: str,
    platform: str,
    thread: str = "",
    replies: int = 3,
) -> None:
    page.goto(f"{base}/agent/reply/draft")
    page.get_by_label("Customer's post").fill(post)
    page.locator("#draft-platform").select_option(platform)
    if thread:
        page.get_by_label("Link to the thread (optional)").fill(thread)
    page.get_by_role("button", name="Draft replies").click()
    expect(page.locator(".draft-reply")).to_have_count(replies)


def test_draft_count_copy_and_switch(browser, base: str, sample_app) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        browser_sign_in(page, base, AGENT)
        _draft(page, base, *POSTS["angry"])
        standard = page.locator("#reply-standard")
        expect(standard).to_have_value(re.compile(r"^Mohon maaf paketnya belum sampai"))
        expect(page.locator(".draft-reply.is-recommended h2")).to_contain_text(
            "With the private step"
        )
        # The count follows the text as the agent edits it.
        block = page.locator(".draft-reply").nth(1)
        before = int(block.locator(".js-count-value").inner_text())
        standard.press("End")
        standard.type(" Terima kasih")
        expect(block.locator(".js-count-value")).to_have_text(str(before + 13))
        # Copy puts it on the clipboard and records the reply (kind handoff).
        private = page.locator(".draft-reply").nth(2)
        private.get_by_role("button", name=re.compile("Copy reply")).click()
        expect(private.locator(".composer-live-status")).to_have_text(
            "Copied. Paste it in the thread."
        )
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.locator("#reply-private").input_value().strip()
        for _ in range(50):
            if rows(sample_app, PublicReply):
                break
            page.wait_for_timeout(100)
        (reply,) = rows(sample_app, PublicReply)
        assert (reply.slug, reply.kind, reply.platform) == (
            "pesanan-terlambat",
            "handoff",
            "instagram",
        )
        # Another candidate re-drafts for it.
        pick = page.locator("button[name=pick]").first
        slug = (pick.get_attribute("value") or "").partition("#")[0]
        pick.click()
        expect(page.locator("input[name=article]").first).to_have_value(slug)
        expect(page.locator(".draft-reply")).to_have_count(3)
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_thank_you_copies_and_records_nothing(
    browser, base: str, sample_app, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        browser_sign_in(page, base, AGENT)
        post = "gilaaa cepet bgt paketnya nyampeee!!! makasih tokorona 😍😍"
        _draft(page, base, post, "tiktok", replies=1)
        box = page.locator("#reply-thanks")
        expect(box).to_have_value("Makasih banyak, Kak! Ikut senang dengarnya 😊")
        expect(page.locator("#reply-thanks-heading")).to_contain_text("Thank you")
        found = violations(page)
        assert not found, f"thanks {width}:\n{describe(found)}"
        shot(page, f"draft-thanks-{width}")
        # The agent may edit it, then copy it.
        box.click()
        box.press("End")
        box.type(" Sering-sering belanja ya!")
        copy = page.get_by_role("button", name=re.compile("Copy reply"))
        expect(copy).to_be_visible()
        copy.click()
        expect(copy).to_have_attribute(
            "data-tooltip", "Copied. Paste it in the thread."
        )
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == box.input_value().strip()
        assert copied.endswith("😊 Sering-sering belanja ya!")
        page.wait_for_timeout(300)  # a stray request would have landed by now
        assert rows(sample_app, PublicReply) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_composer_reads_well_and_is_axe_clean(
    browser, base: str, width: int, scheme: str
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,
        bypass_csp=True,  # axe-core is injected as an inline script
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        browser_sign_in(page, base, AGENT)
        for name, (post, platform, thread) in POSTS.items():
            _draft(page, base, post, platform, thread)
            found = violations(page)
            assert not found, f"{name} {width} {scheme}:\n{describe(found)}"
            # Nothing wider than the screen.
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (name, width, overflow)
            # Every section heading is read whole (radios wrap; a <select> cut
            # them), and the first reply is on screen once the page is drafted.
            for label in page.locator(".draft-section-list label").all():
                assert label.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            expect(page.locator(".draft-reply").first).to_be_in_viewport()
            if thread:
                expect(page.locator(".draft-reading")).to_contain_text(
                    "Replies fit Instagram"
                )
                link = page.get_by_role("link", name=re.compile("Open the thread"))
                expect(link).to_have_attribute("href", thread)
            shot(page, f"draft-{name}-{width}-{scheme}")
            shot(page, f"draft-{name}-{width}-{scheme}-fold", full_page=False)
        page.goto(f"{base}/agent/reply")
        found = violations(page)
        assert not found, f"composer {width} {scheme}:\n{describe(found)}"
        shot(page, f"composer-{width}-{scheme}")
        # The hand-picked composer's sections are radios too: picking one
        # updates the reply in place.
        page.goto(
            f"{base}/agent/reply?article=pesanan-terlambat&platform=instagram&lang=id"
        )
        page.get_by_label("Kapan perlu menghubungi kami").check()
        expect(page.locator(".composer-source")).to_contain_text(
            "Kapan perlu menghubungi kami"
        )
        expect(page.get_by_label("Kapan perlu menghubungi kami")).to_be_focused()
        found = violations(page)
        assert not found, f"composer article {width} {scheme}:\n{describe(found)}"
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, ("composer article", width, overflow)
        shot(page, f"composer-article-{width}-{scheme}")
    finally:
        context.close()
