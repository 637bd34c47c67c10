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
SOLVED = ("resolved", "closed")  # the statuses a ticket counts as solved in
STATUS_NAMES = {
    "new": _l("New"),
    "open": _l("Open"),
    "waiting": _l("Waiting"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

# The same values inside a sentence ("… changed status from new to closed").
STATUS_WORDS = {
    "new": _l("new"),
    "open": _l("open"),
    "waiting": _l("waiting"),
    "resolved": _l("resolved"),
    "closed": _l("closed"),
}

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_NAMES = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

PRIORITY_WORDS = {
    "low": _l("low"),
    "normal": _l("normal"),
    "high": _l("high"),
    "urgent": _l("urgent"),
}

# A customer's satisfaction with a solved ticket.
RATINGS = ("good", "okay", "bad")
RATING_NAMES = {"good": _l("Good"), "okay": _l("Okay"), "bad": _l("Bad")}

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

# "Was this helpful?" — why a visitor answered no.
VOTE_REASONS = ("outdated", "unclear", "missing_step", "not_my_problem", "other")
VOTE_REASON_NAMES = {
    "outdated": _l("It is outdated"),
    "unclear": _l("It is unclear"),
    "missing_step": _l("A step is missing"),
    "not_my_problem": _l("It is not my problem"),
    "other": _l("Something else"),
}

# What became of a public reply; "open" until the agent (or a ticket) says.
REPLY_OUTCOMES = ("open", "settled", "private", "follow_up")
REPLY_OUTCOME_NAMES = {
    "open": _l("not known yet"),
    "settled": _l("settled"),
    "private": _l("moved to private"),
    "follow_up": _l("needs follow-up"),
}

# Where an article view came from, besides a platform (PLATFORMS).
VIEW_SOURCE_NAMES = {
    "web": _l("Web"),
    "search": _l("Search"),
    "widget": _l("Widget"),
    "reply": _l("Public reply"),
    **PLATFORM_NAMES,
}
