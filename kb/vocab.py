"""The words Jawab's data is made of, and how each is shown to people.

Languages, ticket statuses, priorities, platforms and staff roles live here once;
storage, forms, views and templates all read them from this module.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LANGUAGES = ("id", "en")
# Each language's name in itself: the language switch shows it that way.
LANG_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

STATUSES = ("new", "open", "waiting", "resolved", "closed")
STATUS_NAMES = {
    "new": _l("new"),
    "open": _l("open"),
    "waiting": _l("waiting"),
    "resolved": _l("resolved"),
    "closed": _l("closed"),
}

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_NAMES = {
    "low": _l("low"),
    "normal": _l("normal"),
    "high": _l("high"),
    "urgent": _l("urgent"),
}

PLATFORMS = ("facebook", "instagram", "x", "tiktok", "whatsapp", "forum", "other")
PLATFORM_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "tiktok": "TikTok",
    "whatsapp": "WhatsApp",
    "forum": _l("Forum"),
    "other": _l("Other"),
}

ROLES = ("agent", "editor", "admin")  # each role can do what the ones before can
ROLE_NAMES = {
    "agent": _l("Agent"),
    "editor": _l("Editor"),
    "admin": _l("Administrator"),
}
