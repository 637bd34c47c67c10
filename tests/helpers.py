"""Helpers shared by test modules (never import one test module from another)."""

from __future__ import annotations

import re
import threading

from flask import Flask
from flask.testing import FlaskClient

from kb.services import users
from kb.storage.db import standalone_session

PASSWORD = "correct horse battery staple"
# A valid contact form (without its CSRF token).
CONTACT_FORM = {
    "name": "Budi Santoso",
    "email": "budi.santoso@mail.example",
    "subject": "Refund not received",
    "message": "I paid by transfer two weeks ago and nothing came back.",
    "category": "payments",
    "platform": "",
    "thread_url": "",
    "article": "",
    "case": "",
    "website": "",
}
# WTForms renders ``name= type= value=``; hand-written forms ``type= name= value=``.
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"'
    r'|type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on ``url``."""
    page = client.get(url).get_data(as_text=True)
    found = _CSRF.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def make_staff(app: Flask, *roles: str) -> None:
    """Create ``<role>@tokorona.example`` accounts with :data:`PASSWORD`."""
    with app.app_context(), standalone_session() as db:
        for role in roles:
            users.create(db, f"{role}@tokorona.example", role, PASSWORD)


def login(
    client: FlaskClient, email: str, password: str = PASSWORD, remember: bool = False
):
    """Sign in through the form; returns the POST's response."""
    data = {"csrf_token": csrf(client, "/agent/login"), "email": email}
    data["password"] = password
    if remember:
        data["remember"] = "y"
    return client.post("/agent/login", data=data)


def wait_for_mail() -> None:
    """Let background mail delivery finish."""
    for thread in threading.enumerate():
        if thread.name == "jawab-mail":
            thread.join(timeout=10)
