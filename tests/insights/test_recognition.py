"""Badges on the team report and the optional staff-only leaderboard (issue 11):
admins set the thresholds and turn the leaderboard on; admins can be left off;
anyone may keep themself off; only signed-in staff see it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from helpers import add_staff, csrf, give_work, staff_email, submit_form

from kb.services import recognition
from kb.services.reports import TeamReport, TeamRow, last_days
from kb.storage.db import standalone_session

SETTINGS = "/admin/reports/settings"
BOARD = "/admin/reports/leaderboard"


@pytest.fixture()
def team_app(ticket_app: Flask) -> Flask:
    """The app over a migrated database, reports uncached, three named staff."""
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    for role, name in (("agent", "Ani"), ("editor", "Budi"), ("admin", "Citra")):
        add_staff(ticket_app, staff_email(role), role, name=name)
    return ticket_app


def _listed(page: str) -> list[str]:
    """The names on the leaderboard, in rank order."""
    return [n.strip() for n in re.findall(r'<th scope="row">([^<]+)', page)]


def _save(client, **changes: str):
    data = {
        "settled": "5",
        "articles": "2",
        "gaps": "3",
        "on_time": "10",
        "leaderboard": "y",
        "exclude_admins": "y",
        **changes,
    }
    return submit_form(client, SETTINGS, {k: v for k, v in data.items() if v})


def test_badges_follow_the_admins_thresholds(team_app, auth) -> None:
    auth.login("agent")
    give_work(team_app, "agent@tokorona.example", settled=2, articles=1)
    admin = auth.login("admin")
    page = admin.get("/admin/reports/team").get_data(as_text=True)
    assert "Badges" in page and "Settles threads" not in page  # 2 < default 5
    assert _save(admin, settled="2", articles="1").status_code == 302
    page = admin.get("/admin/reports/team").get_data(as_text=True)
    assert "Settles threads" in page and "Writes articles" in page
    assert "Closes gaps" not in page
    # The agent sees their own badges.
    mine = auth.login("agent").get("/admin/reports/team").get_data(as_text=True)
    assert "Settles threads" in mine
    assert _save(admin, settled="0", articles="1").status_code == 302  # 0: off
    assert "Settles threads" not in admin.get("/admin/reports/team").get_data(True)


def test_badges_are_in_the_team_csv_and_json(team_app, auth) -> None:
    auth.login("agent")
    give_work(team_app, "agent@tokorona.example", settled=2, articles=1)
    admin = auth.login("admin")
    assert _save(admin, settled="2", articles="1").status_code == 302
    header, *rows = csv.reader(
        io.StringIO(admin.get("/admin/reports/team?format=csv").get_data(True))
    )
    assert header[-1] == "badges"
    by_name = {row[0]: row for row in rows}
    assert by_name["Ani"][-1] == "settled articles"
    assert by_name["Budi"][-1] == ""  # nothing earned: an empty cell
    data = admin.get("/api/v1/reports/team").get_json()
    assert data["columns"][-1] == "badges"
    by_name = {row[0]: row for row in data["rows"]}
    assert by_name["Ani"][-1] == ["settled", "articles"]
    assert by_name["Budi"][-1] == []
    # An agent's own part carries their own badges.
    mine = auth.login("agent").get("/api/v1/reports/team").get_json()
    assert [row[-1] for row in mine["rows"]] == [["settled", "articles"]]
    # A badge switched off leaves the export too.
    admin = auth.login("admin")
    assert _save(admin, settled="0", articles="1").status_code == 302
    data = admin.get("/api/v1/reports/team").get_json()
    assert {row[0]: row for row in data["rows"]}["Ani"][-1] == ["articles"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "from 0 to"),
        ("", "whole number"),
        ("lima", "Give a whole number, e.g. 5."),
    ],
)
def test_bad_thresholds_are_named_at_the_field(team_app, auth, value, message) -> None:
    admin = auth.login("admin")
    response = _save(admin, gaps=value)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'id="gaps-error"' in page
    with team_app.app_context(), standalone_session() as db:
        assert recognition.load(db) == recognition.Settings()


def test_the_leaderboard_is_off_by_default_and_ranks_knowledge_work(
    team_app, auth
) -> None:
    for role in ("agent", "editor", "admin"):
        auth.login(role)
    give_work(team_app, "agent@tokorona.example", settled=1, articles=2)
    give_work(team_app, "editor@tokorona.example", settled=4)
    give_work(team_app, "admin@tokorona.example", settled=9)
    agent = auth.login("agent")
    off = agent.get(BOARD).get_data(as_text=True)
    assert "The leaderboard is off" in off and "Score" not in off
    assert "Leaderboard</a>" not in agent.get("/admin/reports/team").get_data(True)

    admin = auth.login("admin")
    assert _save(admin).status_code == 302
    page = agent.get(BOARD).get_data(as_text=True)
    assert "Leaderboard</a>" in agent.get("/admin/reports/team").get_data(True)
    # 4 settled beat 1 settled + 2 articles; admins are left off.
    assert _listed(page) == ["Budi", "Ani"]
    rows = agent.get(BOARD + "?format=csv").get_data(as_text=True).splitlines()
    assert rows[0] == "rank,person,settled,articles,gaps_closed,score"
    assert rows[1:] == [
        "1,Budi,4,0,0,4",
        "2,Ani,1,2,0,3",
    ]

    assert _save(admin, exclude_admins="").status_code == 302
    assert _listed(agent.get(BOARD).get_data(as_text=True)) == ["Citra", "Budi", "Ani"]


def test_an_agent_may_keep_themself_off(team_app, auth) -> None:
    auth.login("editor")
    give_work(team_app, "editor@tokorona.example", settled=1)
    _save(auth.login("admin"))
    agent = auth.login("agent")
    give_work(team_app, "agent@tokorona.example", settled=3)
    assert _listed(agent.get(BOARD).get_data(as_text=True)) == ["Ani", "Budi"]
    token = csrf(agent, "/agent/account/")
    saved = agent.post(
        "/agent/account/preferences",
        data={"csrf_token": token, "hide_from_leaderboard": "y"},
    )
    assert saved.status_code == 302
    page = agent.get(BOARD).get_data(as_text=True)
    assert _listed(page) == ["Budi"]
    assert "You keep yourself off the leaderboard" in page
    account = agent.get("/agent/account/").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*id="hide_from_leaderboard"', account)
    agent.post("/agent/account/preferences", data={"csrf_token": token})
    assert _listed(agent.get(BOARD).get_data(as_text=True)) == ["Ani", "Budi"]


def test_the_leaderboard_is_for_signed_in_staff_only(team_app, auth) -> None:
    _save(auth.login("admin"))
    outsider = team_app.test_client().get(BOARD)
    assert (
        outsider.status_code == 302 and "/agent/login" in outsider.headers["Location"]
    )


def test_ties_share_a_rank_and_volume_alone_does_not_count() -> None:
    def row(uid: int, name: str, **figures: int) -> TeamRow:
        base = dict(
            public_answers=0,
            settled=0,
            moved_private=0,
            tickets_answered=0,
            within_target=0,
            articles=0,
            gaps_closed=0,
        )
        return TeamRow(uid, name, "agent", **{**base, **figures})

    report = TeamReport(
        last_days(7, "UTC"),
        None,
        (
            row(1, "Ani", settled=2),
            row(2, "Budi", articles=1, gaps_closed=1),
            row(3, "Citra", public_answers=50, tickets_answered=80, within_target=80),
            row(4, "Dewi", settled=3),
        ),
    )

    class NoPrefs:
        def scalars(self, _statement):
            return []

    standings = recognition.leaderboard(NoPrefs(), report, recognition.Settings())  # type: ignore[arg-type]
    assert [(s.rank, s.name) for s in standings] == [
        (1, "Dewi"),
        (2, "Ani"),
        (2, "Budi"),
    ]


def test_the_settings_page_in_indonesian(team_app, auth) -> None:
    admin = auth.login("admin")
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    page = admin.get(SETTINGS).get_data(as_text=True)
    assert "Lencana" in page and "Papan peringkat" in page
