"""Every editor page: ids are unique and each label names exactly one control."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from helpers import csrf, draft_form, new_draft, post_draft

# Elements a <label for=…> can name (HTML's "labelable elements").
LABELABLE = {"button", "input", "meter", "output", "progress", "select", "textarea"}


class _Page(HTMLParser):
    """The ids of one page, its labels, and the form each control sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[tuple[str, str, dict[str, str]]] = []  # (id, tag, attrs)
        self.labels: list[tuple[str, str]] = []  # (for, label text)
        self.references: list[tuple[str, str]] = []  # (attribute, id it names)
        self._label: list[str] | None = None
        self._label_for = ""
        self._form = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = values.get("action", "")
        if "id" in values:
            self.ids.append((values["id"], tag, {**values, "form": self._form}))
        for name in ("aria-labelledby", "aria-describedby"):
            self.references += [(name, ref) for ref in values.get(name, "").split()]
        if tag == "label" and "for" in values:
            self._label, self._label_for = [], values["for"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = ""
        if tag == "label" and self._label is not None:
            self.labels.append(
                (self._label_for, " ".join("".join(self._label).split()))
            )
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label.append(data)


def id_problems(html: str) -> list[str]:
    """Repeated ids, labels naming no control or several, references to no id."""
    page = _Page()
    page.feed(html)
    seen: dict[str, int] = {}
    for found, _tag, _attrs in page.ids:
        seen[found] = seen.get(found, 0) + 1
    problems = [f'id="{i}" appears {n} times' for i, n in seen.items() if n > 1]
    tags = {found: (tag, attrs) for found, tag, attrs in page.ids}
    for target, text in page.labels:
        if seen.get(target) != 1:
            problems.append(
                f'label "{text}" for="{target}" names {seen.get(target, 0)}'
            )
        elif (
            tags[target][0] not in LABELABLE or tags[target][1].get("type") == "hidden"
        ):
            problems.append(f'label "{text}" for="{target}" names a {tags[target][0]}')
    problems += [
        f'{name}="{ref}" names no element'
        for name, ref in page.references
        if ref not in seen
    ]
    return problems


def control_of(html: str, label: str) -> tuple[str, dict[str, str]]:
    """The tag and attributes (with the action of its form) that ``label`` names."""
    page = _Page()
    page.feed(html)
    targets = [target for target, text in page.labels if text == label]
    assert len(targets) == 1, (label, page.labels)
    found = [(tag, attrs) for i, tag, attrs in page.ids if i == targets[0]]
    assert len(found) == 1, (label, targets[0])
    return found[0]


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
