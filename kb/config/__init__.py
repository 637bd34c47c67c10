"""Defaults and the ``KB_*`` environment variables that override them.

Every key in :data:`SETTINGS` (``settings.py``) carries its documentation and
default; its value is read by a parser of ``values.py``. This module puts them
together: :func:`defaults`, :func:`from_environment`, :func:`validate`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kb.config.settings import SETTINGS, Setting
from kb.config.values import ConfigError, phone, support_hours, targets
from kb.vocab import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

__all__ = ["SETTINGS", "ConfigError", "Setting", "defaults", "from_environment"]
_targets = targets  # the name the agent tests know


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in configuration for an app with this instance folder."""
    values = {
        setting.key: None
        if setting.default is None
        else setting.parse(setting.env, setting.default)
        for setting in SETTINGS
    }
    # Defaults that depend on where Jawab runs.
    values["ARTICLES_DIR"] = str(PROJECT_ROOT / "articles")
    values["SEARCH_INDEX_DIR"] = str(PROJECT_ROOT / "search_index")
    values["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'kb.sqlite3'}"
    values["MAX_CONTENT_LENGTH"] = 64 * 1024  # a ticket is text; larger gets 413
    values["ATTACHMENT_DIR"] = str(Path(instance_path) / "attachments")
    return values


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every set ``KB_*`` variable into Flask config keys."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is not None and raw != "":
            values[setting.key] = setting.parse(setting.env, raw)
    return values


def validate(config: dict[str, Any]) -> None:
    """Reject combinations that would run insecurely or not at all."""
    if config["KB_ENV"] not in {"development", "production"}:
        raise ConfigError("KB_ENV must be development or production")
    if config["DEFAULT_LANG"] not in LANGUAGES:
        raise ConfigError("KB_DEFAULT_LANG must be id or en")
    if config["MAX_QUERY_LENGTH"] < 10:
        raise ConfigError("KB_MAX_QUERY_LENGTH must be at least 10")
    if isinstance(config.get("SUPPORT_HOURS"), str):
        config["SUPPORT_HOURS"] = support_hours(
            "KB_SUPPORT_HOURS", config["SUPPORT_HOURS"]
        )
    if isinstance(config.get("WHATSAPP_NUMBER"), str) and config["WHATSAPP_NUMBER"]:
        config["WHATSAPP_NUMBER"] = phone(
            "KB_WHATSAPP_NUMBER", config["WHATSAPP_NUMBER"]
        )
    base_url = config["BASE_URL"]
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError("KB_BASE_URL must start with http:// or https://")
    if config["KB_ENV"] == "production" and not base_url:
        # Without it, mailed links would take their host from the request
        # (a forged Host header could send a customer's new link elsewhere).
        raise ConfigError(
            "KB_BASE_URL is required when KB_ENV=production "
            "(e.g. KB_BASE_URL=https://help.example.com)"
        )
    config["BASE_URL"] = base_url.rstrip("/")
    # Report days begin where times are shown, unless set apart.
    config["REPORT_TZ"] = config.get("REPORT_TZ") or config["TIME_ZONE"]
    config["SHORT_BASE_URL"] = _short_base_url(config)
    config["MAIL_BACKEND"] = _mail_backend(config)
    if base_url:
        parts = urlsplit(config["BASE_URL"])
        if not parts.hostname or parts.path or parts.query or parts.fragment:
            raise ConfigError(
                "KB_BASE_URL must be a scheme and host only, like "
                f"https://help.example.com, not {base_url!r}"
            )
        if config["KB_ENV"] == "production":
            # Flask answers any other Host header with a 400.
            hosts = [parts.hostname, *config.get("EXTRA_TRUSTED_HOSTS", [])]
            hosts += _short_hosts(config)
            config.setdefault("TRUSTED_HOSTS", hosts)
    # Generated, disposable files (the parsed-article cache) live beside the
    # index, so whatever places the index places them too.
    index_dir = Path(config["SEARCH_INDEX_DIR"])
    config.setdefault("CACHE_DIR", str(index_dir.with_name(f".{index_dir.name}-cache")))


def _short_base_url(config: dict[str, Any]) -> str:
    """``KB_SHORT_BASE_URL`` checked as ``KB_BASE_URL`` is: a scheme and host only."""
    raw = str(config.get("SHORT_BASE_URL") or "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw.rstrip("/"))
    if parts.scheme not in {"http", "https"}:
        raise ConfigError("KB_SHORT_BASE_URL must start with http:// or https://")
    if not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ConfigError(
            "KB_SHORT_BASE_URL must be a scheme and host only, like "
            f"https://tkr.id, not {raw!r}"
        )
    if config["KB_ENV"] == "production" and parts.scheme != "https":
        # A short link is typed by customers; it must not start on plain HTTP.
        raise ConfigError("KB_SHORT_BASE_URL must use https:// in production")
    return raw.rstrip("/")


def _short_hosts(config: dict[str, Any]) -> list[str]:
    """The short domain's host, answered in production like the base URL's."""
    host = urlsplit(config.get("SHORT_BASE_URL") or "").hostname
    return [host] if host else []


MAIL_BACKENDS = ("smtp", "log", "console")


def _mail_backend(config: dict[str, Any]) -> str:
    """The mail backend to use; never one that prints secret links in production."""
    chosen = str(config.get("MAIL_BACKEND") or "").strip().lower()
    backend = chosen or ("smtp" if config["SMTP_HOST"] else "console")
    if backend not in MAIL_BACKENDS:
        raise ConfigError(
            f"KB_MAIL_BACKEND must be smtp, log or console, not {chosen!r}"
        )
    if backend == "smtp" and not config["SMTP_HOST"]:
        raise ConfigError("KB_MAIL_BACKEND=smtp needs KB_SMTP_HOST")
    if backend == "console" and config["KB_ENV"] == "production":
        # The console is the log under gunicorn: every ticket's secret link,
        # every customer's address and words would end up there.
        if chosen:
            raise ConfigError(
                "KB_MAIL_BACKEND=console prints whole mails, secret ticket links "
                "included; it is for development only"
            )
        raise ConfigError(
            "KB_SMTP_HOST is required when KB_ENV=production: without it every "
            "mail, secret ticket links included, would be printed to the log. "
            "Set KB_SMTP_HOST, or KB_MAIL_BACKEND=log to send nothing and log "
            "only each mail's recipient (masked) and subject"
        )
    return backend


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Use KB_SECRET_KEY, or in development a key kept in the instance folder."""
    if config.get("SECRET_KEY"):
        return
    if config["KB_ENV"] == "production":
        raise ConfigError("KB_SECRET_KEY is required when KB_ENV=production")
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    config["SECRET_KEY"] = key_file.read_text().strip()
