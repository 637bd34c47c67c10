"""Staff pages show every time in the site's zone (KB_TIME_ZONE), never UTC (issue 22).

The tests' KB_TIME_ZONE is the default, Asia/Jakarta: English writes its label
"GMT+7", Indonesian "WIB". The database keeps UTC. Every test runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from helpers import execute, make_staff, signed_in, staff_email
from sqlalchemy import update

from kb.services import api_tokens, audit, users
from kb.storage.db import standalone_session
from kb.storage.models import AuditEntry, StaffSession, User

# 23:30 UTC is 06:30 the next morning in Jakarta: the date changes too.
LATE = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
EN = "Mar 10, 2026, 6:30\u202fAM GMT+7"
ID = "10 Mar 2026 06.30 WIB"


@pytest.fixture()
def team(make_app, database_url: str) -> Flask:
    """The app with every role, an audit entry and sign-ins at :data:`LATE`."""
    # Sign-ins that began at LATE stay open (the test is about how they read).
    app = make_app(
        index=False,
        DATABASE_URL=database_url,
        DEFAULT_LANG="en",
        STAFF_SESSION_HOURS=24 * 365 * 20,
    )
    assert app.config["TIME_ZONE"] == "Asia/Jakarta"
    make_staff(app, "agent", "editor", "admin")
    with app.app_context(), standalone_session() as db:
        audit.record(db, staff_email("admin"), "disabled", staff_email("agent"))
        db.commit()
    execute(app, update(AuditEntry).values(created_at=LATE))
    return app


def _at_late(app: Flask) -> None:
    """Every sign-in so far (and the users' last sign-in) began at :data:`LATE`.

    Their last activity stays now: an idle sign-in would have ended.
    """
    execute(app, update(StaffSession).values(created_at=LATE))
    execute(app, update(User).values(last_sign_in_at=LATE))


@pytest.mark.parametrize(("lang", "shown"), [("en", EN), ("id", ID)])
def test_the_staff_list_person_and_audit_log_show_the_sites_zone(
    team: Flask, lang: str, shown: str
) -> None:
    admin = signed_in(team, staff_email("admin"), lang)
    _at_late(team)
    for path in ("/admin/staff/", "/admin/staff/audit"):
        page = admin.get(path).get_data(as_text=True)
        assert shown in page, path
        assert "UTC" not in page, path
    with team.app_context(), standalone_session() as db:
        found = users.find(db, staff_email("admin"))
        assert found is not None
        person = f"/admin/staff/{found.id}"
    page = admin.get(person).get_data(as_text=True)
    assert shown in page and "UTC" not in page
    # Underneath, the audit log's <time> still says the UTC instant.
    audit_page = admin.get("/admin/staff/audit").get_data(as_text=True)
    assert 'datetime="2026-03-09T23:30:00+00:00"' in audit_page


@pytest.mark.parametrize(("lang", "shown"), [("en", EN), ("id", ID)])
def test_the_account_page_shows_sign_ins_and_token_dates_in_the_sites_zone(
    team: Flask, lang: str, shown: str
) -> None:
    agent = signed_in(team, staff_email("agent"), lang)
    _at_late(team)
    with team.app_context(), standalone_session() as db:
        user = users.find(db, staff_email("agent"))
        assert user is not None
        api_tokens.create(db, user, "Sheet", 7, now=LATE)
    page = agent.get("/agent/account/").get_data(as_text=True)
    assert shown in page
    assert "UTC" not in page  # neither in the times nor in the column labels
    # A token's dates alone, as the language writes them: made on the 10th
    # in Jakarta (the 9th in UTC), expiring a week later.
    made, expires = (
        ("Mar 10, 2026", "Mar 17, 2026")
        if lang == "en"
        else (
            "10 Mar 2026",
            "17 Mar 2026",
        )
    )
    assert f">{made}</td>" in page and f">{expires}</td>" in page


def test_a_site_in_utc_says_utc(team: Flask) -> None:
    team.config["TIME_ZONE"] = "UTC"
    admin = signed_in(team, staff_email("admin"))
    _at_late(team)
    page = admin.get("/admin/staff/").get_data(as_text=True)
    assert "Mar 9, 2026, 11:30\u202fPM UTC" in page
