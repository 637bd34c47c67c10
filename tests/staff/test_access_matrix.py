"""Who may open which staff page: every /agent, /admin and /editor route, discovered
from the app, for signed-out visitors, customers with a ticket link, agents, editors
and admins — as a browser and as a JSON client."""

from __future__ import annotations

import pytest
from helpers import csrf, draft_form, login, make_staff, open_ticket, staff_email

from kb.storage.db import standalone_session

# The sign-in page and its code step, "forgot password" and the one-time links
# open to everyone (the code step sends anyone without a right password back).
PUBLIC = {"auth.login", "auth.code", "auth.forgot", "auth.welcome", "auth.reset"}
# Signing in with a passkey: open to everyone, checked on their own below.
PASSKEY_SIGN_IN = {
    "auth.passkey_options",
    "auth.passkey_sign_in",
    "auth.code_passkey_options",
    "auth.code_passkey",
}
PUBLIC |= PASSKEY_SIGN_IN
ADMIN_ONLY = {"editor.settings"}  # admin pages outside /admin
# Editors and admins only.
EDITOR_PAGES = {"editor.synonyms", "editor.add_synonym", "editor.publish"}
EDITOR_ONLY_ACTORS = ("editor", "admin")  # only they publish
ACTORS = ("signed_out", "customer", "agent", "editor", "admin")


def _staff_rules(app) -> list:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/agent", "/admin", "/editor"))
        and rule.endpoint not in PUBLIC
    ]
    assert rules, "no staff routes found"
    return sorted(rules, key=lambda r: r.rule)


def _values(app, client) -> dict[str, str]:
    """Real values for URL parameters: a ticket, and whatever else exists."""
    reference = open_ticket(client).reference
    values = {"reference": reference, "slug": "refund-times"}
    with app.app_context(), standalone_session() as db:
        from kb.storage.models import CannedResponse, Case, ReplyTemplate

        for model, key, name in (
            (Case, "code", "code"),
            (ReplyTemplate, "id", "id"),
            (CannedResponse, "id", "canned_id"),
        ):
            row = db.query(model).first()
            if row is not None:
                values[name] = str(getattr(row, key))
        values["draft_id"] = str(_agents_draft(db))
        from kb.services import users

        values["user_id"] = str(users.find(db, staff_email("agent")).id)
    return values


def _agents_draft(db) -> int:
    """A draft written by the agent: its pages are open to it and to editors."""
    from kb.services import editing, users

    agent = users.find(db, staff_email("agent"))
    found = editing.open_drafts(db, agent)
    if found:
        return found[0].id
    return editing.create(db, agent, editing.Fields(title="Draft", slug="draft")).id


@pytest.fixture()
def matrix_app(ticket_app):
    make_staff(ticket_app, "agent", "editor", "admin")
    return ticket_app


def _client(app, actor: str):
    client = app.test_client()
    if actor == "customer":
        open_ticket(client)  # holds a session from the contact flow and a link
    elif actor != "signed_out":
        login(client, staff_email(actor))
    return client


def _args(rule, values: dict[str, str]) -> dict[str, str]:
    """URL values for a rule; an unknown one gets a placeholder of the right type."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    def placeholder(name: str) -> str:
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            return "0"
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)[0]
        return "x"

    return {name: values.get(name) or placeholder(name) for name in rule.arguments}


# /admin pages are the admin's, except the reports (issue 11): editors see them
# all, an agent the overview and team report limited to their own part.
ROLE_FOR = {
    "reports.overview": "agent",
    "reports.team": "agent",
    "reports.leaderboard": "agent",  # staff-only; says "off" until turned on
    "reports.search": "editor",
    "reports.articles": "editor",
    "reports.public": "editor",
    "reports.tickets": "editor",
}
RANK = {"agent": 0, "editor": 1, "admin": 2}


def _expected(actor: str, rule) -> int:
    if actor in ("signed_out", "customer"):
        return 302
    needed = ROLE_FOR.get(rule.endpoint)
    if needed is not None:
        return 200 if RANK[actor] >= RANK[needed] else 403
    if (rule.rule.startswith("/admin") or rule.endpoint in ADMIN_ONLY) and (
        actor != "admin"
    ):
        return 403
    if rule.endpoint in EDITOR_PAGES and actor == "agent":
        return 403
    return 200


def test_every_staff_page_checks_who_is_asking(matrix_app) -> None:
    setup = matrix_app.test_client()
    values = _values(matrix_app, setup)
    failures = []
    for actor in ACTORS:
        client = _client(matrix_app, actor)
        for rule in _staff_rules(matrix_app):
            if "GET" not in rule.methods:
                continue
            args = _args(rule, values)
            url = rule.build(args, append_unknown=False)[1]
            response = client.get(url)
            expected = _expected(actor, rule)
            if response.status_code != expected and not (
                expected == 200
                and response.status_code == 404
                and rule.arguments
                and any(name not in values for name in rule.arguments)
            ):
                failures.append(
                    f"{actor} GET {url}: {response.status_code}, expected {expected}"
                )
            if expected == 403:
                api = client.get(url, headers={"Accept": "application/json"})
                if api.status_code != 403 or "error" not in (api.get_json() or {}):
                    failures.append(f"{actor} JSON {url}: {api.status_code}")
            if expected == 302:
                location = response.headers.get("Location", "")
                if not location.startswith("/agent/login?next="):
                    failures.append(f"{actor} GET {url}: redirected to {location!r}")
                api = client.get(url, headers={"Accept": "application/json"})
                if api.status_code != 401:
                    failures.append(f"{actor} JSON {url}: {api.status_code}")
    assert not failures, "\n".join(failures)


def test_every_staff_post_is_refused_to_outsiders(matrix_app) -> None:
    values = _values(matrix_app, matrix_app.test_client())
    failures = []
    for actor in ("signed_out", "customer"):
        client = _client(matrix_app, actor)
        for rule in _staff_rules(matrix_app):
            if "POST" not in rule.methods or rule.endpoint == "auth.logout":
                continue
            args = _args(rule, values)
            url = rule.build(args, append_unknown=False)[1]
            response = client.post(
                url, data={"csrf_token": csrf(client, "/agent/login")}
            )
            if response.status_code not in (302, 401):
                failures.append(f"{actor} POST {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_only_editors_and_admins_publish(matrix_app) -> None:
    values = _values(matrix_app, matrix_app.test_client())
    url = f"/editor/drafts/{values['draft_id']}/publish"
    agent = _client(matrix_app, "agent")
    token = csrf(agent, f"/editor/drafts/{values['draft_id']}")
    assert agent.post(url, data={"csrf_token": token}).status_code == 403
    step = agent.post(
        f"/editor/drafts/{values['draft_id']}",
        data={
            "csrf_token": token,
            "title": "Draft",
            "lang": "id",
            "slug": "draft",
            "category": "",
            "status": "published",
            "step": "publish",
        },
    )
    assert step.status_code == 403
    for number, actor in enumerate(EDITOR_ONLY_ACTORS):
        with matrix_app.app_context(), standalone_session() as db:
            from kb.services import editing, users

            agent = users.find(db, staff_email("agent"))
            fields = editing.Fields(title="Draft", slug=f"draft-{number}")
            draft_id = editing.create(db, agent, fields).id
        client = _client(matrix_app, actor)
        response = client.post(
            f"/editor/drafts/{draft_id}/publish", data=draft_form(client, draft_id)
        )
        assert response.status_code == 302, actor


@pytest.mark.parametrize("base_url", ["", "http://localhost"])
def test_passkey_sign_in_routes_let_no_outsider_in(make_app, base_url) -> None:
    """Without a passkey's signed answer (and, for the code step, the password
    first) nobody gets past them: not found, conflict, bad request or back to
    the sign-in page — never a session."""
    app = make_app(index=False, BASE_URL=base_url)
    make_staff(app, "agent")
    expected = {
        "/agent/login/passkey/options": {404} if not base_url else {200},
        "/agent/login/passkey": {404} if not base_url else {400, 401},
        "/agent/login/code/passkey/options": {409},
        "/agent/login/code/passkey": {302},
    }
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint in PASSKEY_SIGN_IN}
    assert rules == set(expected)
    for actor in ("signed_out", "customer"):
        client = _client(app, actor)
        for url, statuses in expected.items():
            token = csrf(client, "/agent/login")
            response = client.post(
                url,
                data={"csrf_token": token, "credential": "{}"},
                headers={"X-CSRFToken": token},
            )
            assert response.status_code in statuses, (actor, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"] == "/agent/login"
        assert client.get("/agent/").status_code == 302
