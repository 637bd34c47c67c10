"""Staff password rules: long enough, not common, not guessable from context.

Length is the main defence (ASVS 5.0 §6.2: at least 12 characters, no
composition rules); on top, a password is refused when it is among the 10,000
most common ones (``kb/data/common-passwords.txt``, see its README for source
and licence), contains the account's email name or the site's name, or repeats
so few characters that length adds nothing (``aaaaaaaaaaaa``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_DISTINCT = 4
COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    with COMMON_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def _words(text: str) -> list[str]:
    # Parts of a name long enough to matter ("tokorona", "help", "budi").
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if len(w) >= 4]


def reason(
    password: str, *, email: str = "", site_name: str = ""
) -> tuple[str, str] | None:
    """Why ``password`` is refused as a code and a value, or None when it is fine.

    Codes: ``length``, ``common``, ``repeats``, ``contains`` (the value is the
    word found). Pages turn them into translated sentences; see :func:`problem`.
    """
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "length", ""
    lowered = password.lower()
    if lowered in common_passwords():
        return "common", ""
    if len(set(lowered)) < MIN_DISTINCT:
        return "repeats", ""
    local, _, domain = email.lower().partition("@")
    context = [*_words(local), *_words(domain.rsplit(".", 1)[0]), *_words(site_name)]
    squeezed = site_name.lower().replace(" ", "")
    if len(squeezed) >= 4:
        context.append(squeezed)
    for word in context:
        if word in lowered:
            return "contains", word
    return None


def problem(password: str, *, email: str = "", site_name: str = "") -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    found = reason(password, email=email, site_name=site_name)
    if found is None:
        return None
    code, word = found
    return {
        "length": f"passwords need {MIN_LENGTH} to {MAX_LENGTH} characters",
        "common": "this password is one of the most common ones; choose another",
        "repeats": "this password repeats too few characters; choose another",
        "contains": f"the password must not contain “{word}” (your email or the site)",
    }[code]
