"""Every editor page: ids are unique and each label names exactly one control."""

from __future__ import annotations

import re

from helpers import control_of, csrf, draft_form, id_problems, new_draft, post_draft


def test_the_review_comment_has_its_own_label_and_the_body_keeps_its(
    auth, repo
) -> None:
    client = auth.login("editor")
    draft_id = new_draft(client)
    page = client.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert id_problems(page) == []
    tag, attrs = control_of(page, "Comment")
    assert (tag, attrs["name"]) == ("textarea", "body")
    assert attrs["form"].endswith(f"/editor/drafts/{draft_id}/comments")
    tag, attrs = control_of(page, "Article text (Markdown)")
    assert (tag, attrs["name"]) == ("textarea", "body")
    assert attrs["form"].endswith(f"/editor/drafts/{draft_id}")
    # The comment form still posts its text as "body".
    posted = client.post(
        f"/editor/drafts/{draft_id}/comments",
        data={"csrf_token": csrf(client, f"/editor/drafts/{draft_id}"), "body": "Hm."},
    )
    assert posted.status_code == 302
    assert "Hm." in client.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)


def test_every_editor_page_has_unique_ids_and_working_labels(auth, repo) -> None:
    editor, admin = auth.login("editor"), auth.login("admin")
    article = "/editor/articles/refund-times"
    history = admin.get(f"{article}/history").get_data(as_text=True)
    commit = re.findall(r"/history/([0-9a-f]{40})", history)[0]
    admin.post(f"{article}/draft", data={"csrf_token": csrf(admin, article)})
    mine = new_draft(editor)
    # A draft someone else holds (the take-over form) and one refused with a
    # 409 because it changed since the page was opened (what changed).
    held = re.findall(
        r"/editor/drafts/(\d+)", admin.get("/editor/").get_data(as_text=True)
    )
    theirs = next(int(i) for i in held if int(i) != mine)
    seen = draft_form(editor, mine)["revision"]
    assert post_draft(editor, mine, body="Other words.\n").status_code == 302
    changed = post_draft(editor, mine, "publish", revision=seen)
    assert changed.status_code == 409
    pages = {
        "changed": changed.get_data(as_text=True),
        "index": editor.get("/editor/").get_data(as_text=True),
        "new": editor.get("/editor/new").get_data(as_text=True),
        "draft": editor.get(f"/editor/drafts/{mine}").get_data(as_text=True),
        "preview": editor.get(f"/editor/drafts/{mine}?preview=1").get_data(
            as_text=True
        ),
        "held": editor.get(f"/editor/drafts/{theirs}").get_data(as_text=True),
        "conflict": editor.get(f"/editor/drafts/{mine}/conflict").get_data(
            as_text=True
        ),
        "article": editor.get(article).get_data(as_text=True),
        "history": history,
        "revision": editor.get(f"{article}/history/{commit}").get_data(as_text=True),
        "side by side": editor.get(f"{article}/history/{commit}?mode=side").get_data(
            as_text=True
        ),
        "synonyms": editor.get("/editor/synonyms").get_data(as_text=True),
        "add a synonym": editor.get("/editor/synonyms/add?term=x").get_data(
            as_text=True
        ),
        "settings": admin.get("/editor/settings").get_data(as_text=True),
    }
    assert "is editing this draft right now" in pages["held"]
    assert "What changed since you opened the draft" in pages["changed"]
    problems = {name: id_problems(html) for name, html in pages.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_check_finds_repeated_ids_and_stray_labels() -> None:
    bad = (
        '<label for="body">Text</label><textarea id="body"></textarea>'
        '<label for="body">Comment</label><textarea id="body"></textarea>'
        '<label for="gone">Gone</label><p aria-describedby="nowhere"></p>'
        '<label for="token">Token</label><input id="token" type="hidden">'
    )
    assert id_problems(bad) == [
        'id="body" appears 2 times',
        'label "Text" for="body" names 2',
        'label "Comment" for="body" names 2',
        'label "Gone" for="gone" names 0',
        'label "Token" for="token" names a input',
        'aria-describedby="nowhere" names no element',
    ]
