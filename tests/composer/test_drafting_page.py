"""The composer answers a pasted post: the page without JavaScript (issue 21)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from helpers import add_staff, csrf, id_problems, rows, signed_in

from kb.services import composer
from kb.storage.models import LinkedArticle, PublicReply, ShortLink

PROJECT = Path(__file__).resolve().parents[2]
AGENT = "agent@tokorona.example"
ANGRY = "udah seminggu paket gue belum nyampe, CS lelet!!"
ORDER = "min no pesanan 2411889900 kok paketnya belum sampai juga, hp 081234567890"
PRAISE = "gilaaa cepet bgt paketnya nyampeee!!! makasih tokorona 😍😍"


@pytest.fixture()
def sample_app(make_app, tmp_path: Path):
    """The app over the sample help center (articles/), with an agent."""
    folder = tmp_path / "sample-articles"
    shutil.copytree(PROJECT / "articles", folder)
    app = make_app(ARTICLES_DIR=str(folder))
    add_staff(app, AGENT, "agent", name="Sari")
    return app


def replies(page: str) -> dict[str, str]:
    """The drafted replies on a page, by key."""
    found = re.findall(
        r'<textarea id="reply-(\w+)" class="js-reply-text"[^>]*>(.*?)</textarea>',
        page,
        re.S,
    )
    return {key: html.unescape(text).strip() for key, text in found}


def draft(client, **fields: str):
    data = {"post": ANGRY, "platform": "instagram", "tone": "casual", "lang": ""}
    data.update(fields)
    data["csrf_token"] = csrf(client, "/agent/reply/draft")
    return client.post("/agent/reply/draft", data=data)


def test_an_angry_post_gets_an_apology_the_answer_and_a_short_link(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    response = draft(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    drafted = replies(page)
    assert list(drafted) == ["shortest", "standard", "private"]
    standard = drafted["standard"]
    assert standard.startswith("Mohon maaf paketnya belum sampai, Kak 🙏")
    assert "3 hari" in standard  # the article's own rule
    assert "Pesanan terlambat atau paket tertahan" in standard
    assert re.search(r"http://localhost/s/[a-z2-9]{8}$", standard.splitlines()[1])
    assert "!" not in "".join(drafted.values())
    assert "Lanjut secara pribadi" in drafted["private"]
    # What the post says, for the agent.
    assert ">Complaint<" in page and ">Heated<" in page
    assert "lelet" not in "".join(drafted.values())
    for text in drafted.values():
        assert composer.count(text, "instagram") <= 2200
    # The post is not stored anywhere: one short link row, no reply yet.
    assert len(rows(sample_app, ShortLink)) == 1 and rows(sample_app, PublicReply) == []


def test_exposed_data_is_a_warning_and_never_in_a_reply(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    page = draft(client, post=ORDER, platform="x").get_data(as_text=True)
    assert "This post exposes" in page and "an order number" in page
    assert "a phone number" in page
    drafted = replies(page)
    for text in drafted.values():
        assert "2411889900" not in text and "081234567890" not in text
        assert composer.count(text, "x") <= 280
    assert "jangan ditulis di komentar publik" in drafted["private"]


def test_tiktok_replies_fit_and_switching_the_section_redrafts(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    page = draft(client, platform="tiktok").get_data(as_text=True)
    for text in replies(page).values():
        assert composer.count(text, "tiktok") <= 150, text
    # Re-draft for another section of the same article (no JavaScript needed).
    data = {
        "post": ANGRY,
        "platform": "tiktok",
        "tone": "formal",
        "lang": "",
        "article": "pesanan-terlambat",
        "section": "yang-bisa-anda-lakukan",
        "redraft": "1",
        "csrf_token": csrf(client, "/agent/reply/draft"),
    }
    again = client.post("/agent/reply/draft", data=data).get_data(as_text=True)
    assert 'value="yang-bisa-anda-lakukan" checked>' in again
    assert "Bapak/Ibu" in replies(again)["standard"]


def test_picking_another_candidate_and_recording_a_use(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    page = draft(client).get_data(as_text=True)
    picks = re.findall(r'name="pick" value="([^"]+)"', page)
    assert picks, "other candidates can be chosen"
    slug = picks[0].partition("#")[0]
    data = {
        "post": ANGRY,
        "platform": "instagram",
        "tone": "casual",
        "lang": "",
        "pick": picks[0],
        "csrf_token": csrf(client, "/agent/reply/draft"),
    }
    again = client.post("/agent/reply/draft", data=data).get_data(as_text=True)
    assert f'name="article" type="hidden" value="{slug}"' in again
    code = re.search(r'name="code" type="hidden" value="([a-z2-9]{8})"', again)
    assert code
    used = client.post(
        "/agent/reply/use",
        data={
            "csrf_token": csrf(client, "/agent/reply/draft"),
            "article": slug,
            "platform": "instagram",
            "code": code.group(1),
            "kind": "handoff",
            "text": replies(again)["private"],
        },
    )
    assert used.status_code == 302
    (reply,) = rows(sample_app, PublicReply)
    assert (reply.slug, reply.platform, reply.kind, reply.code) == (
        slug,
        "instagram",
        "handoff",
        code.group(1),
    )
    assert [r.article_slug for r in rows(sample_app, LinkedArticle)] == [slug]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"post": ""}, "Paste the customer"),
        ({"post": "x" * 5001}, "A post is at most 5,000 characters."),
        ({"platform": "myspace"}, "Not a valid choice"),
        ({"thread_url": "not a link"}, "Enter the full address"),
        ({"thread_url": "javascript:alert(1)"}, "Enter the full address"),
        ({"thread_url": "ftp://instagram.com/p/1"}, "Enter the full address"),
    ],
)
def test_bad_input_is_a_field_error(sample_app, fields: dict, message: str) -> None:
    client = signed_in(sample_app, AGENT)
    response = draft(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_composer_page_has_the_post_form_and_csrf_is_required(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    page = client.get("/agent/reply").get_data(as_text=True)
    assert 'action="/agent/reply/draft"' in page and 'name="post"' in page
    refused = client.post("/agent/reply/draft", data={"post": ANGRY})
    assert refused.status_code == 400
    anonymous = sample_app.test_client().get("/agent/reply/draft")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/agent/login?next=")


def test_a_drafts_short_link_leaves_sqlite_durable_for_everything_else(
    sample_app,
) -> None:
    from kb.storage.db import engine

    client = signed_in(sample_app, AGENT)
    assert draft(client).status_code == 200
    with sample_app.app_context():
        pool = engine()
        # Every pooled connection is back to synchronous=FULL (2).
        held = [pool.connect() for _ in range(3)]
        try:
            for connection in held:
                value = connection.exec_driver_sql("PRAGMA synchronous").scalar()
                assert value == 2
        finally:
            for connection in held:
                connection.close()


def test_the_form_offers_every_platform_and_keeps_the_choice(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    empty = client.get("/agent/reply/draft").get_data(as_text=True)
    assert '<option value="tiktok" >TikTok</option>' in empty
    page = draft(client, platform="tiktok", tone="formal").get_data(as_text=True)
    assert '<option value="tiktok" selected>TikTok</option>' in page
    assert '<option value="formal" selected>' in page
    assert f">{ANGRY}</textarea>" in page  # the post comes back, never stored


def test_an_admins_saved_template_still_renders_in_a_draft(sample_app) -> None:
    from kb.storage.db import standalone_session

    with sample_app.app_context(), standalone_session() as db:
        composer.save_template(
            db, "id", "casual", "answer", "Kak, silakan baca {title}: {link}"
        )
    client = signed_in(sample_app, AGENT)
    drafted = replies(draft(client).get_data(as_text=True))
    assert re.fullmatch(
        r"Kak, silakan baca Pesanan terlambat atau paket tertahan: "
        r"http://localhost/s/[a-z2-9]{8}",
        drafted["standard"],
    )
    # The new placeholders are accepted on the admin's form.
    assert (
        composer.unknown_placeholders("{apology} {answer} {document} {privacy}") == []
    )


def test_placeholders_alone_vanish_one_by_one() -> None:
    body = "{apology} {answer}\nDetailnya di {document}"
    assert composer.fill(body, {"apology": "Halo.", "answer": "", "document": "x"}) == (
        "Halo.\nDetailnya di x"
    )
    assert composer.fill(body, {"apology": "", "answer": "A.", "document": ""}) == "A."


def test_the_composer_pages_repeat_no_id(sample_app) -> None:
    # The hidden "use this reply" forms repeated the visible controls' ids
    # (section, platform, case): labels then pointed at the hidden copies.
    client = signed_in(sample_app, AGENT)
    drafted = draft(client).get_data(as_text=True)
    chosen = client.get("/agent/reply?article=pesanan-terlambat&platform=x")
    assert chosen.status_code == 200
    for page in (drafted, chosen.get_data(as_text=True)):
        assert 'name="platform"' in page and 'name="section"' in page
        assert id_problems(page) == []  # ids, labels and references


def test_the_thread_link_sets_a_default_platform_and_opens_the_thread(
    sample_app,
) -> None:
    client = signed_in(sample_app, AGENT)
    thread = "https://www.instagram.com/p/C0ffee/?igsh=abc"
    # Left at the form's default (X), the link's host chooses Instagram.
    page = draft(client, platform="x", thread_url=thread).get_data(as_text=True)
    assert '<option value="instagram" selected>Instagram</option>' in page
    assert "Replies fit Instagram: the thread link is on instagram.com." in page
    assert "Set from the thread link (instagram.com)." in page
    for text in replies(page).values():
        assert "/ 2200" in page and composer.count(text, "instagram") <= 2200
        assert "instagram.com/p/" not in text  # the link is the agent's only
    opened = re.search(r'<a href="([^"]+)" target="_blank" rel="([^"]+)"', page)
    assert opened and html.unescape(opened.group(1)) == thread
    assert opened.group(2) == "noopener noreferrer"
    assert "Open the thread" in page
    # A platform the agent chose stays, with a note about the link.
    chosen = draft(client, platform="tiktok", thread_url=thread).get_data(as_text=True)
    assert '<option value="tiktok" selected>TikTok</option>' in chosen
    assert "The thread link is on instagram.com, but the replies fit TikTok." in chosen
    # "Other" follows the link too, and the link is stored nowhere.
    other = draft(client, platform="other", thread_url="https://vt.tiktok.com/ZS1/")
    assert '<option value="tiktok" selected>' in other.get_data(as_text=True)
    assert [r.platform for r in rows(sample_app, ShortLink)] == [
        "instagram",
        "tiktok",
        "tiktok",
    ]


def test_candidates_say_how_they_compare_and_sections_read_whole(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    page = draft(client).get_data(as_text=True)
    assert "% sure" not in page
    matches = re.findall(r'class="draft-match draft-match--(\w+)">([^<]+)<', page)
    assert matches[0] == ("best", "Best match")
    assert {m for m, _ in matches[1:]} <= {"possible", "weak"}
    assert len(matches) >= 2
    # Every section heading is a radio with its whole text (no cut <select>).
    assert '<select id="draft-section"' not in page
    radios = re.findall(
        r'<label><input type="radio" name="section" value="([^"]*)"( checked)?> '
        r"([^<]+)</label>",
        page,
    )
    assert radios[0][0] == "" and radios[0][2] == "Whole article"
    assert [r[0] for r in radios if r[1]] == ["kapan-perlu-menghubungi-kami"]
    assert "Kapan perlu menghubungi kami" in [r[2] for r in radios]


def test_a_post_that_only_thanks_gets_one_thank_you_and_no_link(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    response = draft(client, post=PRAISE, platform="tiktok")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert replies(page) == {"thanks": "Makasih banyak, Kak! Ikut senang dengarnya 😊"}
    assert '<h2 id="reply-thanks-heading">Thank you <span class="draft-badge">' in page
    assert ">Thanks or praise<" in page
    assert "This post only thanks or praises" in page
    assert "/s/" not in page and "/p/" not in page  # no link at all
    # The copy button only copies (nothing to record) and, needing JavaScript,
    # starts hidden: without it the agent selects the text.
    copy = re.search(r'<button type="button"[^>]*data-copy="#reply-thanks"[^>]*>', page)
    assert copy and " hidden>" in copy.group()
    assert "js-copy-reply" not in page
    assert "nothing is recorded for the reports" in page
    # Nothing is stored: no short link, no reply, no linked article.
    assert rows(sample_app, ShortLink) == [] and rows(sample_app, PublicReply) == []
    assert rows(sample_app, LinkedArticle) == []
    assert id_problems(page) == []
    # The candidates are still there to pick: then it drafts as any post.
    picks = re.findall(r'name="pick" value="([^"]+)"', page)
    assert picks
    data = {
        "post": PRAISE,
        "platform": "tiktok",
        "tone": "casual",
        "lang": "",
        "pick": picks[0],
        "csrf_token": csrf(client, "/agent/reply/draft"),
    }
    picked = client.post("/agent/reply/draft", data=data).get_data(as_text=True)
    assert list(replies(picked)) == ["shortest", "standard", "private"]
    assert "js-copy-reply" in picked and "This post only thanks" not in picked
    assert len(rows(sample_app, ShortLink)) == 1


def test_the_thank_you_box_speaks_indonesian_to_an_indonesian_agent(
    sample_app,
) -> None:
    client = signed_in(sample_app, AGENT, lang="id")
    page = draft(client, post=PRAISE, tone="formal").get_data(as_text=True)
    assert replies(page) == {
        "thanks": "Terima kasih banyak, Bapak/Ibu. Senang sekali mendengarnya 🙏"
    }
    assert '<h2 id="reply-thanks-heading">Terima kasih <span' in page
    assert ">Terima kasih atau pujian<" in page
    assert "Postingan ini hanya berterima kasih atau memuji" in page


def test_a_question_that_ends_in_thanks_is_answered_as_before(sample_app) -> None:
    client = signed_in(sample_app, AGENT)
    post = "kak kalau mau ganti nomor hp di akun caranya gimana ya? makasih 🙏"
    page = draft(client, post=post).get_data(as_text=True)
    drafted = replies(page)
    assert list(drafted) == ["shortest", "standard", "private"]
    assert drafted["standard"].startswith("Halo Kak, makasih sudah tanya 😊")
    assert ">Question<" in page and "This post only thanks" not in page
    assert len(rows(sample_app, ShortLink)) == 1
