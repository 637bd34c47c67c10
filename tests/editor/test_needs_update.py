"""'This article needs an update': flagged from a ticket, a vote or a reason."""

from __future__ import annotations

import re

from helpers import csrf, execute, open_ticket, rows
from sqlalchemy import insert, update

from kb.services import editing
from kb.storage.models import Draft, Message, Ticket, UpdateRequest, VoteLog

PAGE = "/editor/articles/refund-times"


def _flag(client, **data):
    data["csrf_token"] = csrf(client, PAGE)
    return client.post(f"{PAGE}/needs-update", data=data)


def _vote(app, comment: str) -> int:
    execute(
        app,
        insert(VoteLog).values(
            key="k-" + comment[:10],
            slug="refund-times",
            section="",
            lang="en",
            helpful=False,
            reason="outdated",
            comment=comment,
        ),
    )
    return next(v.id for v in rows(app, VoteLog) if v.comment == comment)


def _publish(client, app) -> None:
    started = client.post(f"{PAGE}/draft", data={"csrf_token": csrf(client, PAGE)})
    url = started.headers["Location"]
    draft = next(d for d in rows(app, Draft) if url.endswith(f"/{d.id}"))
    data = {name: getattr(draft, name) or "" for name in editing.FORM_FIELDS}
    data.update(
        csrf_token=csrf(client, url),
        body=data["body"] + "\nBank refunds now take 5 days.\n",
        step="publish",
        revision=str(draft.revision),
    )
    done = client.post(url, data=data)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]


def test_flags_from_a_ticket_a_vote_and_a_reason_until_published(auth, repo) -> None:
    customer = auth.app.test_client()
    reference = open_ticket(customer).reference
    execute(auth.app, update(Ticket).values(article_slug="refund-times"))
    agent = auth.login("agent")
    ticket_page = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    link = f"{PAGE}?from_ticket={reference}"
    assert link in ticket_page.replace("&amp;", "&")
    opened = agent.get(link).get_data(as_text=True)
    assert f'name="from_ticket" type="hidden" value="{reference}"' in opened

    flagged = _flag(agent, reason="Bank refunds take 5 days now", from_ticket=reference)
    assert flagged.status_code == 302
    notes = [m.body for m in rows(auth.app, Message) if m.internal]
    assert any("/editor/articles/refund-times" in body for body in notes)
    vote_id = _vote(auth.app, "the bank took a week")
    page = agent.get(PAGE).get_data(as_text=True)
    assert "the bank took a week" in page  # the latest "not helpful" votes
    assert _flag(agent, from_vote=str(vote_id)).status_code == 302

    agent.get("/agent/logout")
    editor = auth.login("editor")
    listing = editor.get("/editor/").get_data(as_text=True)
    needs = listing.split('id="update-title"')[1].split("</section>")[0]
    assert "How long refunds take" in needs and "2 reasons" in needs
    page = editor.get(PAGE).get_data(as_text=True)
    assert "Bank refunds take 5 days now" in page
    assert f"/agent/tickets/{reference}" in page  # a link back to the ticket
    assert "It is outdated" in page and "“the bank took a week”" in page
    assert [(r.ticket_reference, r.vote_id) for r in rows(auth.app, UpdateRequest)] == [
        (reference, None),
        (None, vote_id),
    ]

    _publish(editor, auth.app)
    assert all(r.cleared_at and r.cleared_commit for r in rows(auth.app, UpdateRequest))
    listing = editor.get("/editor/").get_data(as_text=True)
    assert "No article is flagged." in listing
    assert "reasons to update this article" not in editor.get(PAGE).get_data(
        as_text=True
    )


def test_a_flag_needs_a_reason_and_real_sources(auth, repo) -> None:
    agent = auth.login("agent")
    empty = _flag(agent, reason="  ")
    assert empty.status_code == 400
    assert re.search(
        r'field-error" id="reason-error">Say what needs updating',
        (empty.get_data(as_text=True)),
    )
    assert _flag(agent, reason="x" * 501).status_code == 400
    unknown = _flag(agent, reason="why", from_ticket="NOPE")
    assert "That ticket does not exist." in unknown.get_data(as_text=True)
    bad_vote = _flag(agent, from_vote="999")
    assert bad_vote.status_code == 400
    assert "not a &#39;not helpful&#39; vote" in bad_vote.get_data(as_text=True)
    assert _flag(agent, from_vote="1; drop").status_code == 400
    no_csrf = agent.post(f"{PAGE}/needs-update", data={"reason": "x"})
    assert no_csrf.status_code == 400
    assert rows(auth.app, UpdateRequest) == []
    gone = agent.post(
        "/editor/articles/nope/needs-update",
        data={"csrf_token": csrf(agent, PAGE), "reason": "x"},
    )
    assert gone.status_code == 404


def test_customers_cannot_flag(auth, repo) -> None:
    anonymous = auth.app.test_client()
    response = anonymous.post(f"{PAGE}/needs-update", data={"reason": "x"})
    assert response.status_code in (302, 400, 401, 403)
    signed_out = auth.app.test_client().get(PAGE)
    assert signed_out.status_code in (302, 401)
    assert rows(auth.app, UpdateRequest) == []
