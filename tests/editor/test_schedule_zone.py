"""Publish later is typed and shown in the site's zone (KB_TIME_ZONE); stored in UTC.

The tests' KB_TIME_ZONE is the default, Asia/Jakarta (UTC+7, no daylight
saving); Europe/Berlin has a skipped and a repeated hour. Every test that
touches the database runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from helpers import new_draft, post_draft, rows, signed_in, staff_email

from kb import site_time
from kb.storage.models import Draft

YEAR = dt.date.today().year + 1  # always in the future


def _stored(app: Flask) -> tuple[str, dt.datetime | None]:
    [draft] = rows(app, Draft)
    when = site_time.as_utc(draft.publish_at) if draft.publish_at else None
    return draft.state, when


def test_nine_in_jakarta_is_stored_as_two_utc_and_shown_back_as_nine(
    auth, repo
) -> None:
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    page = editor.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "Time in Asia/Jakarta (GMT+7)." in page  # the field's hint
    assert ">Publish at<" in page and "(UTC)" not in page

    scheduled = post_draft(
        editor, draft_id, "schedule", publish_at=f"{YEAR}-07-01T09:00"
    )
    assert scheduled.status_code == 302, scheduled.get_data(as_text=True)[-2000:]
    assert _stored(auth.app) == (
        "scheduled",
        dt.datetime(YEAR, 7, 1, 2, 0, tzinfo=dt.UTC),
    )
    shown = f"Jul 1, {YEAR}, 9:00\u202fAM GMT+7"
    page = editor.get(scheduled.headers["Location"]).get_data(as_text=True)
    assert f"Scheduled: it will be published at {shown}." in page  # the flash
    assert f"Scheduled for {shown}." in page
    assert f'value="{YEAR}-07-01T09:00"' in page  # the field, as it was typed
    assert "UTC" not in page

    overview = editor.get("/editor/").get_data(as_text=True)
    assert f"scheduled for {shown}" in overview
    assert "UTC" not in overview
    # In Indonesian the zone is WIB.
    indonesian = signed_in(auth.app, staff_email("editor"), "id")
    overview = indonesian.get("/editor/").get_data(as_text=True)
    assert f"dijadwalkan pada 1 Jul {YEAR} 09.00 WIB" in overview
    assert "UTC" not in overview
    page = indonesian.get(f"/editor/drafts/{draft_id}").get_data(as_text=True)
    assert "Waktu Asia/Jakarta (WIB)." in page


def test_a_time_the_clocks_skip_is_an_error_of_the_field(auth, repo) -> None:
    auth.app.config["TIME_ZONE"] = "Europe/Berlin"
    editor = auth.login("editor")
    draft_id = new_draft(editor)
    # The last Sunday of March 2030: Berlin's clocks go from 02:00 to 03:00.
    refused = post_draft(editor, draft_id, "schedule", publish_at="2030-03-31T02:30")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert (
        "Publish at: 2030-03-31 02:30 does not exist in Europe/Berlin (the clocks "
        "skip that hour). Choose another time." in page
    )
    assert 'id="publish_at-error"' in page
    assert _stored(auth.app) == ("editing", None)
    # The hour they repeat (the last Sunday of October) is its first passing,
    # still on summer time (UTC+2).
    kept = post_draft(editor, draft_id, "schedule", publish_at="2030-10-27T02:30")
    assert kept.status_code == 302, kept.get_data(as_text=True)[-2000:]
    assert _stored(auth.app) == (
        "scheduled",
        dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC),
    )
    page = editor.get(kept.headers["Location"]).get_data(as_text=True)
    assert 'value="2030-10-27T02:30"' in page
    assert "Oct 27, 2030, 2:30\u202fAM" in page


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        (dt.datetime(2026, 12, 7, 9, 0), dt.datetime(2026, 12, 7, 2, 0)),
        (dt.datetime(2026, 12, 7, 3, 0), dt.datetime(2026, 12, 6, 20, 0)),
    ],
)
def test_site_time_converts_jakarta_both_ways(wall, utc) -> None:
    zone = ZoneInfo("Asia/Jakarta")
    assert site_time.from_local(wall, zone) == utc.replace(tzinfo=dt.UTC)
    assert site_time.to_local(utc, zone) == wall  # naive means UTC


def test_site_time_refuses_the_skipped_hour_and_takes_the_first_repeated_one() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    with pytest.raises(site_time.NonexistentTime):
        site_time.from_local(dt.datetime(2030, 3, 31, 2, 0), berlin)
    assert site_time.from_local(dt.datetime(2030, 3, 31, 3, 0), berlin) == (
        dt.datetime(2030, 3, 31, 1, 0, tzinfo=dt.UTC)
    )
    assert site_time.from_local(dt.datetime(2030, 10, 27, 2, 59), berlin) == (
        dt.datetime(2030, 10, 27, 0, 59, tzinfo=dt.UTC)
    )
