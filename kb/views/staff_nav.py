"""The staff shell's navigation: each staff area registers its own entries.

Areas add entries in their package ``__init__`` (``register(...)``), so a new area
never edits another's code; the shell template lists the entries the signed-in
person's role may open.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
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


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    """Add an entry to the staff header (once per endpoint)."""
    if all(existing.endpoint != item.endpoint for existing in _ITEMS):
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda entry: entry.order)


def visible_items() -> list[NavItem]:
    """The entries the signed-in staff member may open, in order."""
    if not current_user.is_authenticated:
        return []
    return [item for item in _ITEMS if current_user.has_role(item.role)]
