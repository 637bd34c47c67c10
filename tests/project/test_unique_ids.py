"""Every page a GET can open, public and staff: no id appears twice.

The routes are discovered from the app, so a new page is checked without
being listed here. (The W3C Nu validator's only error on 19 public and staff
pages was "My account" rendering three forms' ``id="csrf_token"``.)
"""

from __future__ import annotations

from helpers import login, make_staff, open_ticket, repeated_ids, staff_email

from kb.storage.db import standalone_session

# Pages whose ids are not checked here, each with its reason.
NOT_CHECKED = {
    # Machine-readable answers and redirects, not pages.
    "api",
    "static",
    "insights.",
    "public.sitemap",
    "public.robots",
}


def test_the_check_sees_a_repeated_id() -> None:
    forms = '<form><input id="csrf_token"></form><form><input id="csrf_token"></form>'
    assert repeated_ids(forms) == ["csrf_token"]
    assert repeated_ids('<p id="a"></p><p id="b"></p>') == []


def _values(app, client) -> dict[str, str]:
    """Real values for the URL parameters: a ticket, a case, a draft, a template."""
    opened = open_ticket(client)
    values = {
        "reference": opened.reference,
        "token": opened.path.rsplit("/", 1)[-1],
        "slug": "refund-times",
        "lang": "en",
        "key": "payments",
    }
    with app.app_context(), standalone_session() as db:
        from kb.services import editing, users
        from kb.storage.models import CannedResponse, ReplyTemplate

        for model, key, name in (
            (ReplyTemplate, "id", "id"),
            (CannedResponse, "id", "canned_id"),
        ):
            row = db.query(model).first()
            if row is not None:
                values[name] = str(getattr(row, key))
        admin = users.find(db, staff_email("admin"))
        draft = editing.create(db, admin, editing.Fields(title="Ids", slug="ids"))
        values["draft_id"] = str(draft.id)
    return values


def _pages(app) -> list[tuple[str, list[str]]]:
    """(endpoint, the rule's arguments) of every GET route checked here."""
    return sorted(
        (rule.endpoint, sorted(rule.arguments))
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.endpoint.startswith(tuple(NOT_CHECKED))
    )


def test_no_page_repeats_an_id(ticket_app) -> None:
    from flask import url_for

    make_staff(ticket_app, "admin")
    visitor = ticket_app.test_client()
    admin = ticket_app.test_client()
    assert login(admin, staff_email("admin")).status_code == 302
    values = _values(ticket_app, visitor)
    checked, problems = [], []
    for endpoint, arguments in _pages(ticket_app):
        if any(name not in values for name in arguments):
            continue  # e.g. a commit id: the editor's own test covers history
        with ticket_app.test_request_context():
            url = url_for(endpoint, **{name: values[name] for name in arguments})
        staff = url.startswith(("/agent", "/admin", "/editor"))
        response = (admin if staff else visitor).get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        checked.append(url)
        repeated = repeated_ids(response.get_data(as_text=True))
        if repeated:
            problems.append(f"{url}: {', '.join(repeated)}")
    assert problems == [], "\n".join(problems)
    # Public and staff pages both: the account page, a ticket, the queue, an article.
    for url in (
        "/agent/account/",
        f"/t/{values['reference']}/{values['token']}",
        "/agent/",
        "/en/articles/refund-times",
        "/en/contact",
    ):
        assert url in checked, (url, checked)
    assert len(checked) >= 30, checked
