"""Editing articles on the web: drafts in the database, checked like ``kb check``.

Drafts, proposals, comments and soft locks live in the database, so nothing
unpublished ever reaches ``articles/`` or the search index. A draft becomes
an article file only through :func:`publishing.publish`, which writes and
commits it as one unit. The editor's views call these modules and never git,
the article files or a draft row's attributes themselves.

Where things are
----------------
``fields.py``
    :class:`Fields` (a draft as the form holds it) and the file it becomes,
    where a draft is published to, :class:`EditingError`.
``checks.py``
    A draft checked exactly as ``kb check`` checks its file, and its preview.
``drafts.py``
    Starting a draft (new, from a published file, from an old version), saving
    it (by hand or in the background), the soft lock, discarding it.
``review.py``
    Asking for review, comments, who changed the text since it was approved,
    who may approve, a draft under review sent back to being written, and what
    changed since a reviewer saw it.
``publishing.py``
    :class:`Site` (where the editor writes) and :func:`publishing.publish`: the
    draft written and committed, merged with changes made meanwhile, or nothing.
``schedules.py``
    Publishing later: a schedule approves one revision; :func:`publish_due`.
``conflicts.py``
    Both sides of a conflict, and resolving it (keep mine, start from theirs).
``history.py``
    An article's history from git, one version and what it changed, restoring.
``synonyms.py``
    The synonyms file: saved and committed like an article; one synonym added.
``translations.py``
    Whether a translation lags behind its other-language version, per section.
``capture.py``
    An article drafted from a ticket's reply, without personal data.
``settings.py``
    The editor area's settings ("a second person must approve").

A new step in a draft's life goes into ``drafts.py`` (or ``review.py`` when it
is about approval) and is called by a view in ``kb/views/editor/``.
"""

from __future__ import annotations

from kb.services.editing.drafts import create, open_drafts
from kb.services.editing.fields import FORM_FIELDS, EditingError, Fields, target_path
from kb.services.editing.settings import REQUIRE_SECOND_PERSON, set_setting

# The names most callers need, as ``editing.Fields`` and ``editing.create``.
__all__ = [
    "FORM_FIELDS",
    "REQUIRE_SECOND_PERSON",
    "EditingError",
    "Fields",
    "create",
    "open_drafts",
    "set_setting",
    "target_path",
]
