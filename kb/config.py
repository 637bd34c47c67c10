"""Defaults and the ``KB_*`` environment variables that override them.

Every key in :data:`SETTINGS` must be documented in the README; a test checks it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kb.storage import git_repo
from kb.vocab import LANGUAGES, PRIORITIES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A ``KB_*`` variable holds a value Jawab cannot use."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def _positive(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value == 0:
        raise ConfigError(f"{name} must be at least 1")
    return value


def _str(name: str, raw: str) -> str:
    return raw.strip()


def _list(name: str, raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


_UNITS = {"m": 60, "h": 3600, "d": 86400}


def _targets(name: str, raw: str) -> dict[str, int]:
    """``urgent=1h,high=4h,...`` → seconds per priority; every priority is needed."""
    targets: dict[str, int] = {}
    for part in raw.split(","):
        priority, sep, amount = part.strip().partition("=")
        priority, amount = priority.strip().lower(), amount.strip().lower()
        number, unit = amount[:-1], amount[-1:]
        if (
            not sep
            or priority not in PRIORITIES
            or unit not in _UNITS
            or not number.isdigit()
            or int(number) == 0
        ):
            raise ConfigError(
                f"{name} must look like urgent=1h,high=4h,normal=24h,low=72h "
                f"(units m, h or d), not {raw!r}"
            )
        targets[priority] = int(number) * _UNITS[unit]
    missing = [p for p in PRIORITIES if p not in targets]
    if missing:
        raise ConfigError(f"{name} needs a target for {', '.join(missing)}")
    return targets


def _support_hours(name: str, raw: str) -> Any:
    """``mon-fri 08:00-17:00 Asia/Jakarta`` → SupportHours."""
    from kb.support_hours import parse_hours

    try:
        return parse_hours(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} {exc}, not {raw!r}") from None


def _timezone(name: str, raw: str) -> str:
    """An IANA time zone name such as ``Asia/Jakarta``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be a time zone such as Asia/Jakarta, not {raw!r}"
        ) from None
    return raw.strip()


def _phone(name: str, raw: str) -> str:
    """An international phone number for wa.me links: digits only."""
    digits = "".join(c for c in raw if c.isdigit())
    if not 8 <= len(digits) <= 15 or any(c not in "+0123456789 -()" for c in raw):
        raise ConfigError(
            f"{name} must be an international phone number like +62 812 3456 7890, "
            f"not {raw!r}"
        )
    return digits


@dataclass(frozen=True)
class Setting:
    """One ``KB_*`` environment variable and the Flask config key it sets."""

    env: str
    key: str
    parse: Callable[[str, str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("KB_ENV", "KB_ENV", _str, "`development` (default) or `production`."),
    Setting(
        "KB_ARTICLES_DIR",
        "ARTICLES_DIR",
        _str,
        "Folder of Markdown articles (default `articles/`).",
    ),
    Setting(
        "KB_SEARCH_INDEX_DIR",
        "SEARCH_INDEX_DIR",
        _str,
        "Folder of the generated Whoosh index (default `search_index/`).",
    ),
    Setting(
        "KB_DATABASE_URL",
        "DATABASE_URL",
        _str,
        "SQLAlchemy URL (default: SQLite file in the instance folder).",
    ),
    Setting(
        "KB_SECRET_KEY",
        "SECRET_KEY",
        _str,
        "Session signing key; required in production.",
    ),
    Setting(
        "KB_BASE_URL",
        "BASE_URL",
        _str,
        "Public base URL; every absolute link is built on it (required in production).",
    ),
    Setting(
        "KB_TRUSTED_HOSTS",
        "EXTRA_TRUSTED_HOSTS",
        _list,
        "More host names the site answers to, comma-separated (the host of "
        "`KB_BASE_URL` is always trusted).",
    ),
    Setting(
        "KB_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        _int,
        "How many reverse proxies in front of Jawab set X-Forwarded-For/-Proto "
        "(default 0: the TCP peer is the client).",
    ),
    Setting(
        "KB_STAFF_SESSION_HOURS",
        "STAFF_SESSION_HOURS",
        _positive,
        "A staff sign-in ends this many hours after it began (default 12).",
    ),
    Setting(
        "KB_STAFF_IDLE_MINUTES",
        "STAFF_IDLE_MINUTES",
        _positive,
        "A staff sign-in ends after this many idle minutes (default 60).",
    ),
    Setting(
        "KB_STAFF_REMEMBER_DAYS",
        "STAFF_REMEMBER_DAYS",
        _positive,
        '"Keep me signed in" lasts this many days, idle or not (default 7).',
    ),
    Setting(
        "KB_DEFAULT_LANG",
        "DEFAULT_LANG",
        _str,
        "UI language when nothing else decides: `id` (default) or `en`.",
    ),
    Setting(
        "KB_RELOAD_SECONDS",
        "RELOAD_SECONDS",
        _int,
        "How often the app looks for changed article files (default 2).",
    ),
    Setting(
        "KB_MAX_QUERY_LENGTH",
        "MAX_QUERY_LENGTH",
        _int,
        "Longest search query accepted, in characters (default 500).",
    ),
    Setting(
        "KB_SEMANTIC",
        "SEMANTIC",
        _bool,
        "Semantic re-ranking of search results: `on` or `off` (default); needs "
        "`pip install 'jawab[semantic]'`, otherwise search stays lexical and "
        "the log says why.",
    ),
    Setting(
        "KB_SMTP_HOST",
        "SMTP_HOST",
        _str,
        "SMTP server for outgoing mail; unset prints mail to the console.",
    ),
    Setting("KB_SMTP_PORT", "SMTP_PORT", _int, "SMTP port (default 587)."),
    Setting("KB_SMTP_USER", "SMTP_USER", _str, "SMTP user name (optional)."),
    Setting("KB_SMTP_PASSWORD", "SMTP_PASSWORD", _str, "SMTP password (optional)."),
    Setting("KB_SMTP_TLS", "SMTP_TLS", _bool, "Use STARTTLS (default true)."),
    Setting("KB_MAIL_FROM", "MAIL_FROM", _str, "Sender address of Jawab's mail."),
    Setting(
        "KB_RATELIMIT_STORAGE_URI",
        "RATELIMIT_STORAGE_URI",
        _str,
        "Where rate-limit counters live: memory:// (default) or redis://host:6379.",
    ),
    Setting(
        "KB_RATELIMIT_ENABLED",
        "RATELIMIT_ENABLED",
        _bool,
        "Set false to switch rate limits off (load tests only).",
    ),
    Setting(
        "KB_FIRST_RESPONSE_TARGETS",
        "FIRST_RESPONSE_TARGETS",
        _targets,
        "First-response target per priority (default "
        "`urgent=1h,high=4h,normal=24h,low=72h`).",
    ),
    Setting(
        "KB_SUPPORT_HOURS",
        "SUPPORT_HOURS",
        _support_hours,
        "When support answers, e.g. `mon-fri 08:00-17:00 Asia/Jakarta` (unset: "
        "around the clock, times in UTC).",
    ),
    Setting(
        "KB_WHATSAPP_NUMBER",
        "WHATSAPP_NUMBER",
        _phone,
        "WhatsApp number offered on the handoff form (optional).",
    ),
    Setting(
        "KB_EDITOR_WRITER",
        "EDITOR_WRITER",
        _bool,
        "This node publishes editors' articles into the articles folder "
        "(default true; set false on every node but one).",
    ),
    Setting(
        "KB_GIT_PUSH",
        "GIT_PUSH",
        _bool,
        "Push the articles repository after each web publish (default false).",
    ),
    Setting(
        "KB_GIT_TIMEOUT",
        "GIT_TIMEOUT",
        _positive,
        "Seconds one git command may run before it is stopped and its publish "
        "rolled back (default 10, a third of gunicorn's 30 s worker timeout).",
    ),
    Setting(
        "KB_REVIEW_AFTER_DAYS",
        "REVIEW_AFTER_DAYS",
        _positive,
        "Days after which an article is listed as needing review (default 180).",
    ),
    Setting(
        "KB_SITE_NAME",
        "SITE_NAME",
        _str,
        "Name shown in the header and link previews (default `Toko Rona Help`).",
    ),
    Setting(
        "KB_EVENTS_ENABLED",
        "EVENTS_ENABLED",
        _bool,
        "Record anonymous searches, article views and votes for the reports "
        "(default true).",
    ),
    Setting(
        "KB_EVENTS_RETENTION_DAYS",
        "EVENTS_RETENTION_DAYS",
        _positive,
        "Days raw events are kept before `kb reports purge` deletes them; daily "
        "roll-ups stay (default 180).",
    ),
    Setting(
        "KB_REPORT_CACHE_SECONDS",
        "REPORT_CACHE_SECONDS",
        _int,
        "Seconds a computed report is reused before it is computed again "
        "(default 60; 0 turns the cache off).",
    ),
    Setting(
        "KB_REPORT_TZ",
        "REPORT_TZ",
        _timezone,
        "Time zone in which report days and periods start (default `Asia/Jakarta`).",
    ),
)


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in configuration for an app with this instance folder."""
    return {
        "KB_ENV": "development",
        "ARTICLES_DIR": str(PROJECT_ROOT / "articles"),
        "SEARCH_INDEX_DIR": str(PROJECT_ROOT / "search_index"),
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'kb.sqlite3'}",
        "SECRET_KEY": None,
        "BASE_URL": "",
        "EXTRA_TRUSTED_HOSTS": [],
        "TRUSTED_PROXIES": 0,
        "STAFF_SESSION_HOURS": 12,
        "STAFF_IDLE_MINUTES": 60,
        "STAFF_REMEMBER_DAYS": 7,
        "DEFAULT_LANG": "id",
        "RELOAD_SECONDS": 2,
        "MAX_QUERY_LENGTH": 500,
        "SEMANTIC": False,
        "SITE_NAME": "Toko Rona Help",
        "EDITOR_WRITER": True,
        "GIT_PUSH": False,
        "GIT_TIMEOUT": git_repo.TIMEOUT,  # a third of gunicorn's 30 s (see there)
        "REVIEW_AFTER_DAYS": 180,
        "MAX_CONTENT_LENGTH": 64 * 1024,  # a ticket is text; larger bodies get 413
        "SMTP_HOST": "",
        "SMTP_PORT": 587,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_TLS": True,
        "MAIL_FROM": "Toko Rona Help <bantuan@tokorona.example>",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "SUPPORT_HOURS": None,
        "WHATSAPP_NUMBER": "",
        "EVENTS_ENABLED": True,
        "EVENTS_RETENTION_DAYS": 180,
        "REPORT_TZ": "Asia/Jakarta",
        "REPORT_CACHE_SECONDS": 60,
        "FIRST_RESPONSE_TARGETS": _targets(
            "KB_FIRST_RESPONSE_TARGETS", "urgent=1h,high=4h,normal=24h,low=72h"
        ),
    }


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
        config["SUPPORT_HOURS"] = _support_hours(
            "KB_SUPPORT_HOURS", config["SUPPORT_HOURS"]
        )
    if isinstance(config.get("WHATSAPP_NUMBER"), str) and config["WHATSAPP_NUMBER"]:
        config["WHATSAPP_NUMBER"] = _phone(
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
            config.setdefault("TRUSTED_HOSTS", hosts)
    # Generated, disposable files (the parsed-article cache) live beside the
    # index, so whatever places the index places them too.
    index_dir = Path(config["SEARCH_INDEX_DIR"])
    config.setdefault("CACHE_DIR", str(index_dir.with_name(f".{index_dir.name}-cache")))


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
