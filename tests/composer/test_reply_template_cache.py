"""Reply templates kept per worker: a save shows here at once, elsewhere in the TTL."""

from __future__ import annotations

from kb.cache import REPLY_TEMPLATE_SECONDS
from kb.services import composer
from kb.storage.db import standalone_session

NEW = "Kak, silakan baca {title}: {link}"


def _bodies(app) -> dict[str, str]:
    with app.app_context(), standalone_session() as db:
        return composer.template_bodies(db, "id", "casual")


def _save(app, body: str) -> None:
    with app.app_context(), standalone_session() as db:
        composer.save_template(db, "id", "casual", "answer", body)


def test_a_saved_template_shows_at_once_here_and_within_the_ttl_elsewhere(
    make_app, database_url: str
) -> None:
    # Two workers over one database (on one node or two).
    here = make_app(index=False, DATABASE_URL=database_url)
    there = make_app(index=False, DATABASE_URL=database_url)
    now = [1000.0]
    there.extensions["jawab.reply_templates"].clock = lambda: now[0]
    built_in = composer.DEFAULTS[("id", "casual", "answer")]
    assert _bodies(here)["answer"] == built_in
    assert _bodies(there)["answer"] == built_in

    _save(here, NEW)
    assert _bodies(here)["answer"] == NEW  # the saving worker: at once
    assert _bodies(there)["answer"] == built_in  # the other: what it kept
    now[0] += REPLY_TEMPLATE_SECONDS
    assert _bodies(there)["answer"] == NEW  # ... until it expires

    with here.app_context(), standalone_session() as db:
        composer.restore_template(db, "id", "casual", "answer")
    assert _bodies(here)["answer"] == built_in


def test_the_kept_wording_is_a_copy(make_app, database_url: str) -> None:
    app = make_app(index=False, DATABASE_URL=database_url)
    _bodies(app)["answer"] = "changed by a caller"
    assert _bodies(app)["answer"] == composer.DEFAULTS[("id", "casual", "answer")]


def test_the_templates_are_read_once_per_ttl(make_app, database_url) -> None:
    from sqlalchemy import event

    from kb.storage.db import engine

    app = make_app(index=False, DATABASE_URL=database_url)
    with app.app_context():
        statements: list[str] = []
        event.listen(
            engine(),
            "before_cursor_execute",
            lambda _c, _cur, statement, *_rest: statements.append(statement),
        )
    for _ in range(3):
        _bodies(app)
    assert sum("reply_templates" in s for s in statements) == 1
