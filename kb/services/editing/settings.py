"""The editor area's settings (an admin's choices, kept in the database)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb.storage.models import EditorSetting

REQUIRE_SECOND_PERSON = "require_second_person"


def setting(db: Session, key: str) -> str:
    """An editor setting's value ("" when never set)."""
    row = db.get(EditorSetting, key)
    return row.value if row else ""


def set_setting(db: Session, key: str, value: str) -> None:
    """Change an editor setting."""
    row = db.get(EditorSetting, key)
    if row is None:
        db.add(EditorSetting(key=key, value=value))
    else:
        row.value = value
    db.commit()


def requires_second_person(db: Session) -> bool:
    """True when someone other than a draft's author must publish it."""
    return setting(db, REQUIRE_SECOND_PERSON) == "1"
