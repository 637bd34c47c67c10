"""No dead ends: search redirects, the no-results page, help under articles,
section previews and share links, old ticket links, expected answer times."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from kb import config, support_hours
from kb.services import composer, next_steps, sharing

SECTION = "if-the-code-does-not-arrive"


def text(response) -> str:
    return response.get_data(as_text=True)


def meta(page: str, name: str) -> str:
    """The content of one <meta property|name=...> tag, unescaped."""
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page
    )
    assert found, f"no {name} meta tag"
    return html.unescape(found.group(1))


# -- search -------------------------------------------------------------------


def test_search_without_a_language_goes_to_the_visitors(client) -> None:
    response = client.get(
        "/search?q=lupa+kata+sandi&page=1", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/search?q=lupa+kata+sandi&page=1"
    client.get("/lang/id")  # a remembered choice wins over the browser
    response = client.get("/search?q=refund", headers={"Accept-Language": "en"})
    assert response.headers["Location"] == "/id/search?q=refund"


def test_filters_are_links_that_apply_at_once(client) -> None:
    page = text(client.get("/en/search?q=password"))
    assert '<details class="filter-menu">' in page
    assert 'href="/en/search?q=password&amp;language=all">All languages</a>' in page
    assert (
        'href="/en/search?q=password&amp;language=en&amp;category=payments">'
        "Payments</a>"
    ) in page
    assert 'href="/en/search?q=password&amp;language=en" aria-current="true">' in page
    filtered = text(client.get("/en/search?q=password&category=payments"))
    assert '<details class="filter-menu" data-active>' in filtered
    assert "English · Payments" in filtered
    assert "Apply filters" not in page  # nothing to press after choosing


def test_result_items_are_title_crumbs_and_one_snippet(client) -> None:
    page = text(client.get("/en/search?q=password"))
    item = page.split('<li class="result">')[1].split("</li>")[0]
    assert 'href="/en/articles/reset-password">Reset your password</a>' in item
    # Crumbs: the topic, then the best-matching section when search knows one.
    assert '<p class="result-crumbs"><span>Account &amp; login</span>' in item
    assert item.count('class="result-snippet"') == 1
    section = re.search(r'<p class="result-section"><a href="([^"]+)">', item)
    assert section and "/en/articles/reset-password?s=" in section.group(1)


def test_no_results_page_offers_real_next_steps(client) -> None:
    page = text(client.get("/en/search?q=zebracorn&category=payments"))
    assert "0 results for “zebracorn”" in page
    # The contact link is a link, the same search in all languages and in the other.
    assert '<a class="button" href="/en/contact">Contact support</a>' in page
    assert 'href="/en/search?q=zebracorn&amp;language=all">' in page
    assert 'href="/id/search?q=zebracorn&amp;language=id" hreflang="id">' in page
    assert "Search “zebracorn” in Bahasa Indonesia" in page
    # The likely topic's top articles (here: the chosen filter's).
    popular = page.split("Popular in Payments")[1]
    assert "How long refunds take" in popular
    assert "Reset your password" not in popular


def test_the_likely_topic_comes_from_the_words(app) -> None:
    with app.app_context():
        lib = app.extensions["jawab.content"].library()
        assert next_steps.likely_category(lib, "my refunds zzz", "en") == "payments"
        assert next_steps.likely_category(lib, "login broken", "en") == "account"
        assert next_steps.likely_category(lib, "qwerty", "en") is None
        top = next_steps.top_articles(lib, "en", "payments")
        assert top and all(a.category == "payments" for a in top)


def test_no_results_in_indonesian(client) -> None:
    page = text(client.get("/id/search?q=zebracorn"))
    assert "Cari “zebracorn” dalam English" in page
    assert 'href="/id/contact">Hubungi kami</a>' in page


# -- under the article ------------------------------------------------------


def test_every_article_ends_with_help_and_sharing(client) -> None:
    page = text(client.get("/en/articles/reset-password"))
    footer = page.split('<footer class="article-footer">')[1].split("</footer>")[0]
    assert "data-feedback" in footer  # the place of "was this helpful?"
    assert "Still need help?" in footer
    assert 'href="/en/contact?article=reset-password"' in footer
    assert "Share this article" in footer
    assert "https://wa.me/?text=" in footer
    assert "https://x.com/intent/post?" in footer
    assert "https://www.facebook.com/sharer/sharer.php?u=" in footer
    # Each section's "#" button has its menu: share this section, still need help.
    tools = page.split(f'id="tools-{SECTION}"')[1].split("</div>\n  </div>")[0]
    assert "Share this section" in tools and "data-feedback" in tools
    assert f'data-section="{SECTION}"' in tools
    assert f"reset-password%3Fs%3D{SECTION}%23{SECTION}" in tools


def test_contact_link_under_the_article_prefills_it(client) -> None:
    page = text(client.get("/en/contact?article=reset-password"))
    assert "You are continuing from our answer “Reset your password”." in page


def test_contents_come_before_the_body(client) -> None:
    page = text(client.get("/en/articles/reset-password"))
    assert page.index('class="toc"') < page.index('class="article-body"')
    assert page.index('class="skip-link"') < page.index('class="toc"')


# -- previews of one section --------------------------------------------------


def test_section_link_previews_the_section(make_app) -> None:
    client = make_app(BASE_URL="https://help.example.com").test_client()
    page = text(client.get(f"/en/articles/reset-password?s={SECTION}"))
    title = "Reset your password › If the code does not arrive"
    assert meta(page, "og:title") == title
    assert meta(page, "twitter:title") == title
    assert meta(page, "og:description") == ("Wait a minute, then read refund times.")
    assert meta(page, "twitter:description") == meta(page, "og:description")
    assert meta(page, "og:url") == (
        f"https://help.example.com/en/articles/reset-password?s={SECTION}"
    )
    # The canonical page stays the article; the page opens at the section.
    url = "https://help.example.com/en/articles/reset-password"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'data-open-section="{SECTION}"' in page


@pytest.mark.parametrize(
    "anchor", ["nope", "", "<script>", "x" * 500, "if-you-forgot", "article-title"]
)
def test_unknown_section_previews_the_article(client, anchor: str) -> None:
    response = client.get("/en/articles/reset-password", query_string={"s": anchor})
    assert response.status_code == 200
    page = text(response)
    if anchor == "if-you-forgot":  # an old anchor still names its section
        assert meta(page, "og:title").endswith("› If you forgot your password")
        return
    assert meta(page, "og:title") == "Reset your password"
    assert meta(page, "og:description") == (
        'Tap "Forgot password" and follow the code we send you.'
    )
    assert "data-open-section" not in page


def test_old_slugs_keep_the_section_preview(client) -> None:
    old = client.get(f"/en/articles/forgot-password?s={SECTION}")
    assert old.headers["Location"] == f"/en/articles/reset-password?s={SECTION}"


def test_section_text_and_first_sentence() -> None:
    rendered = (
        '<h2 id="a">A <a class="section-link" href="#a">#</a></h2>'
        '<p>First one. Second one.</p><h2 id="b">B</h2><p>Other.</p>'
    )
    assert sharing.section_text(rendered, "a") == "First one. Second one."
    assert sharing.first_sentence("First one. Second one.") == "First one."
    assert sharing.first_sentence("no end " * 60).endswith("…")
    assert len(sharing.first_sentence("no end " * 60)) <= 200


# -- share links --------------------------------------------------------------


def test_share_text_fits_each_platform() -> None:
    url = "https://help.example.com/en/articles/reset-password?s=a#a"
    links = sharing.share_links("Very long title " * 40, url)
    x = parse_qs(urlsplit(links.x).query)
    tweet = f"{x['text'][0]} {x['url'][0]}"
    assert composer.count(tweet, "x") <= 280
    assert x["url"] == [url]
    whatsapp = parse_qs(urlsplit(links.whatsapp).query)["text"][0]
    assert whatsapp.endswith(" " + url) and len(whatsapp) <= 800
    assert parse_qs(urlsplit(links.facebook).query) == {"u": [url]}
    assert links.x.startswith("https://x.com/intent/post?")
    assert links.facebook.startswith("https://www.facebook.com/sharer/sharer.php?")
    short = sharing.share_links("Reset your password", url)
    assert parse_qs(urlsplit(short.x).query)["text"] == ["Reset your password"]


def test_section_urls_carry_s_and_the_fragment() -> None:
    base = "https://h.example/en/articles/a"
    assert sharing.section_url(base, "x-y") == f"{base}?s=x-y#x-y"
    assert sharing.section_url(base, None) == base
    assert sharing.section_url(base, "b", src="x") == f"{base}?src=x&s=b#b"


# -- tickets --------------------------------------------------------------------


def _acknowledged(client) -> tuple[str, str]:
    page = text(client.get("/en/contact"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = client.post(
        "/en/contact",
        data={
            "csrf_token": token.group(1),
            "name": "Budi",
            "email": "budi@mail.example",
            "subject": "Refund not received",
            "message": "I paid by transfer two weeks ago.",
            "category": "payments",
            **dict.fromkeys(
                ("platform", "thread_url", "article", "case", "website"), ""
            ),
        },
    )
    assert response.status_code == 302, text(response)[:500]
    page = text(client.get(response.headers["Location"]))
    reference = re.search(r"JWB-[0-9A-Z]{5}", page).group(0)
    link = re.search(r'id="secret-link" type="text" readonly value="([^"]+)"', page)
    return reference, link.group(1).replace("http://localhost", "")


def test_an_old_ticket_link_explains_and_offers_a_new_one(ticket_app) -> None:
    client = ticket_app.test_client()
    reference, link = _acknowledged(client)
    wrong = client.get(f"/t/{reference}/{'A' * 43}", headers={"Accept-Language": "en"})
    unknown = client.get(
        f"/t/JWB-ZZZZZ/{link.rsplit('/', 1)[1]}", headers={"Accept-Language": "en"}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data() == unknown.get_data()  # nothing tells them apart
    assert wrong.headers["Cache-Control"] == "no-store"
    assert wrong.headers["Referrer-Policy"] == "no-referrer"
    page = text(wrong)
    assert "This ticket link does not work" in page
    assert 'href="/en/contact/new-link">Email me a new link</a>' in page
    assert reference not in page and "JWB-ZZZZZ" not in page
    assert "/t/" not in page  # the language switch does not carry the secret path


def test_an_old_ticket_link_in_indonesian(ticket_app) -> None:
    client = ticket_app.test_client()
    page = text(client.get("/t/JWB-ZZZZZ/x", headers={"Accept-Language": "id"}))
    assert "Tautan tiket ini tidak berfungsi" in page
    assert 'href="/id/contact/new-link"' in page


def test_reloading_the_acknowledgement_says_the_link_was_emailed(ticket_app) -> None:
    client = ticket_app.test_client()
    reference, _ = _acknowledged(client)
    again = client.get("/en/contact/sent")
    assert again.status_code == 302 and again.headers["Location"] == "/en/contact"
    page = text(client.get("/en/contact"))
    assert f"Your message {reference} was sent." in page
    assert "we emailed it to you" in page
    assert 'href="/en/contact/new-link">No email? Get a new link</a>' in page
    assert reference not in text(client.get("/en/contact"))  # said once


def test_ticket_page_shows_times_and_when_to_expect_an_answer(
    make_app, database_url
) -> None:
    app = make_app(
        DATABASE_URL=database_url, SUPPORT_HOURS="mon-sun 00:00-23:59 Asia/Jakarta"
    )
    client = app.test_client()
    _, link = _acknowledged(client)
    page = text(client.get(link))
    # Times with dates, in the site's zone (KB_TIME_ZONE), as English writes
    # them (issue 22: one Babel format per language, "Dec 7, 2026, 6:30 PM").
    when = r"\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d\u202f[AP]M GMT\+7"
    assert re.search(r"· <time datetime=\"[^\"]+\">" + when, page)
    assert "You can expect our first answer by" in page
    expected = re.search(r"first answer by (" + when + ")", page)
    assert expected, page


def test_expected_answer_counts_support_hours_only() -> None:
    hours = support_hours.parse_hours("mon-fri 08:00-17:00 Asia/Jakarta")
    friday_4pm_wib = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    # One working hour left on Friday, then Monday from 08:00.
    due = next_steps.expected_answer(friday_4pm_wib, 4 * 3600, hours)
    assert due == dt.datetime(2026, 12, 7, 4, 0, tzinfo=dt.UTC)  # Mon 11:00 WIB
    assert next_steps.expected_answer(friday_4pm_wib, 3600, None) == (
        dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
    )
    saturday = dt.datetime(2026, 12, 5, 3, 0)  # naive means UTC
    assert next_steps.expected_answer(saturday, 3600, hours) == (
        dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # Mon 09:00 WIB
    )


@pytest.mark.parametrize(
    "raw, message",
    [
        ("always", "KB_SUPPORT_HOURS must look like mon-fri 08:00-17:00"),
        ("mon-fri 17:00-08:00", "opening time must be before the closing time"),
        ("mon-fri 08:00-17:00 Mars/Base", "unknown time zone 'Mars/Base'"),
        ("mon-fro 08:00-17:00", "days are mon, tue"),
    ],
)
def test_bad_support_hours_are_refused(monkeypatch, raw: str, message: str) -> None:
    monkeypatch.setenv("KB_SUPPORT_HOURS", raw)
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.from_environment(__import__("os").environ)


def test_bad_whatsapp_number_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("KB_WHATSAPP_NUMBER", "call us")
    with pytest.raises(config.ConfigError, match="KB_WHATSAPP_NUMBER must be"):
        config.from_environment(__import__("os").environ)
    monkeypatch.setenv("KB_WHATSAPP_NUMBER", "+62 812-3456-7890")
    assert config.from_environment(__import__("os").environ)["WHATSAPP_NUMBER"] == (
        "6281234567890"
    )


def test_handoff_offers_whatsapp_with_only_the_case_code(
    make_app, database_url
) -> None:
    app = make_app(DATABASE_URL=database_url, WHATSAPP_NUMBER="+62 812 3456 7890")
    client = app.test_client()
    page = text(client.get("/en/contact?article=reset-password&case=C-7K3Q9M"))
    link = re.search(r'href="(https://wa\.me/[^"]+)"', page).group(1)
    parts = urlsplit(html.unescape(link))
    assert parts.path == "/6281234567890"
    assert parse_qs(parts.query) == {
        "text": ["Hello, I would like to continue case C-7K3Q9M."]
    }
    assert "Continue on WhatsApp" in page
    # No case code, or not a case code: no WhatsApp link.
    assert "wa.me" not in text(client.get("/en/contact?article=reset-password"))
    assert "wa.me" not in text(client.get("/en/contact?case=Order+1234+Budi"))


def test_no_whatsapp_without_a_number(ticket_app) -> None:
    page = text(ticket_app.test_client().get("/en/contact?case=C-7K3Q9M"))
    assert "wa.me" not in page
