"""The declarative base every table shares, and the time default."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import DeclarativeBase


def utcnow() -> dt.datetime:
    """Timezone-aware now, for defaults set in Python."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base for Jawab's tables."""
