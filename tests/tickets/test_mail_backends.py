"""Which way mail leaves (``KB_MAIL_BACKEND``), and that production never prints it.

Issue 19, M3: a production build without ``KB_SMTP_HOST`` used to print every
mail, secret ticket links included, into gunicorn's log.
"""

from __future__ import annotations

import logging

import pytest

from kb.config import ConfigError
from kb.services import mail

BASE = "https://help.tokorona.example"
PRODUCTION = {"index": False, "KB_ENV": "production", "BASE_URL": BASE}


def test_production_refuses_to_start_without_an_smtp_host(make_app) -> None:
    with pytest.raises(ConfigError, match="KB_SMTP_HOST is required"):
        make_app(**PRODUCTION)


def test_production_refuses_the_console(make_app) -> None:
    with pytest.raises(ConfigError, match="development only"):
        make_app(**PRODUCTION, MAIL_BACKEND="console", SMTP_HOST="smtp.example")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MAIL_BACKEND": "pigeon"}, "must be smtp, log or console"),
        ({"MAIL_BACKEND": "smtp"}, "needs KB_SMTP_HOST"),
    ],
)
def test_a_backend_that_cannot_work_stops_start_up(make_app, settings, message) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(index=False, **settings)


def test_the_backend_follows_the_smtp_host(make_app) -> None:
    assert make_app(index=False).config["MAIL_BACKEND"] == "console"
    smtp = make_app(**PRODUCTION, SMTP_HOST="smtp.example")
    assert smtp.config["MAIL_BACKEND"] == "smtp"
    assert isinstance(mail.sender_for(smtp.config), mail.SmtpSender)


def test_the_log_backend_is_chosen_explicitly_and_announced(
    make_app, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("KB_MAIL_BACKEND", "log")
    with caplog.at_level(logging.WARNING, logger="kb"):
        app = make_app(**PRODUCTION)
    assert app.config["MAIL_BACKEND"] == "log"
    assert isinstance(mail.sender_for(app.config), mail.LogSender)
    assert "KB_MAIL_BACKEND=log: no mail is sent" in caplog.text
