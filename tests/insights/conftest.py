"""Fixtures of the insights tests (events, reports, recognition)."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture()
def insights_app(ticket_app: Flask) -> Flask:
    """The app over a migrated database (SQLite and PostgreSQL), reports uncached."""
    ticket_app.config["REPORT_CACHE_SECONDS"] = 0
    return ticket_app
