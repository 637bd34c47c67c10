"""The parsers of ``KB_*`` values: each takes the variable's name and its text.

Each returns the value Flask's config keeps or raises :class:`ConfigError`
naming the variable; :mod:`kb.config.settings` names one per setting.
"""

from __future__ import annotations

from typing import Any

from kb.vocab import PRIORITIES


class ConfigError(ValueError):
    """A ``KB_*`` variable holds a value Jawab cannot use."""


def boolean(name: str, raw: str) -> bool:
    """true/false, yes/no, on/off or 1/0."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def integer(name: str, raw: str) -> int:
    """A whole number."""
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


def positive(name: str, raw: str) -> int:
    """A whole number of at least 1."""
    value = integer(name, raw)
    if value == 0:
        raise ConfigError(f"{name} must be at least 1")
    return value


def text(name: str, raw: str) -> str:
    """The text as it is."""
    return raw.strip()


def reply_address(name: str, raw: str) -> str:
    """An address with ``{token}`` exactly once (the ticket's reply token)."""
    value = raw.strip()
    if value and (value.count("{token}") != 1 or "@" not in value.split("{token}")[1]):
        raise ConfigError(
            f"{name} must hold {{token}} once, before the @: "
            f"help+{{token}}@example.com, not {raw!r}"
        )
    return value


MFA_MODES = ("off", "optional", "required")
STAFF_ROLES = ("agent", "editor", "admin")


def roles(name: str, raw: str) -> list[str]:
    """A comma-separated list of staff roles."""
    roles = items(name, raw.lower())
    unknown = [role for role in roles if role not in STAFF_ROLES]
    if unknown or not roles:
        raise ConfigError(
            f"{name} must list roles among agent, editor, admin, not {raw!r}"
        )
    return roles


def mfa_mode(name: str, raw: str) -> str:
    """off, optional or required."""
    value = raw.strip().lower()
    if value not in MFA_MODES:
        raise ConfigError(f"{name} must be off, optional or required, not {raw!r}")
    return value


def attachment_storage(name: str, raw: str) -> str:
    """db or files."""
    value = raw.strip().lower()
    if value not in {"db", "files"}:
        raise ConfigError(f"{name} must be db or files, not {raw!r}")
    return value


def items(name: str, raw: str) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [part.strip() for part in raw.split(",") if part.strip()]


_UNITS = {"m": 60, "h": 3600, "d": 86400}


def targets(name: str, raw: str) -> dict[str, int]:
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


def support_hours(name: str, raw: str) -> Any:
    """``mon-fri 08:00-17:00 Asia/Jakarta`` → SupportHours."""
    from kb.support_hours import parse_hours

    try:
        return parse_hours(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} {exc}, not {raw!r}") from None


def timezone(name: str, raw: str) -> str:
    """An IANA time zone name such as ``Asia/Jakarta``."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be a time zone such as Asia/Jakarta, not {raw!r}"
        ) from None
    return raw.strip()


def phone(name: str, raw: str) -> str:
    """An international phone number for wa.me links: digits only."""
    digits = "".join(c for c in raw if c.isdigit())
    if not 8 <= len(digits) <= 15 or any(c not in "+0123456789 -()" for c in raw):
        raise ConfigError(
            f"{name} must be an international phone number like +62 812 3456 7890, "
            f"not {raw!r}"
        )
    return digits
