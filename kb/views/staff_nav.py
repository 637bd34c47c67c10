"""The staff shell's navigation: each staff area registers its own entries.

Areas add entries in their package ``__init__`` (``register(...)``), so a new area
never edits another's code; the shell template lists the entries the signed-in
person's role may open.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """One link in the staff header: where it goes, its label, who sees it."""

    endpoint: str
    label: object  # a lazy_gettext string: translated for each request's locale
    role: str = "agent"
    order: int = 50
    # The endpoint prefix that marks this entry as the current page.
    section: str = ""

    def url(self) -> str:
        """The entry's URL."""
        return url_for(self.endpoint)

    def is_current(self) -> bool:
        """True when the page being shown belongs to this entry."""
        prefix = self.section or self.endpoint
        return (request.endpoint or "").startswith(prefix)


@dataclass(frozen=True)
class NavLink:
    """A header entry made for one role and locale: its URL and label as text."""

    href: str
    label: str
    prefix: str  # the endpoint prefix that marks it as the current page

    def url(self) -> str:
        """The entry's URL."""
        return self.href

    def is_current(self) -> bool:
        """True when the page being shown belongs to this entry."""
        return (request.endpoint or "").startswith(self.prefix)


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    """Add an entry to the staff header (once per endpoint)."""
    if all(existing.endpoint != item.endpoint for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda entry: entry.order)


def visible_items() -> list[NavLink]:
    """The entries the signed-in staff member may open, in order.

    The same for everyone with the same role, locale and script root, so they are
    built (URLs and translated labels) once per combination and kept per app.
    """
    if not current_user.is_authenticated:
        return []
    role = current_user.role
    key = (role, str(get_locale()), request.script_root, len(_ITEMS))
    kept = current_app.extensions.setdefault("jawab.staff_nav", {})
    links = kept.get(key)
    if links is None:
        links = [
            NavLink(item.url(), str(item.label), item.section or item.endpoint)
            for item in _ITEMS
            if current_user.has_role(item.role)
        ]
        kept[key] = links
    return links
