"""Marks English text for the message catalogue where no request is at hand.

Content checks (``kb check``) run in the CLI and in storage code that must not
need Flask; they write English and keep the text they were built from, so the
web editor can translate it later (see :meth:`kb.storage.articles.Problem.text`).
"""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention pybabel knows
    """``text`` unchanged; ``pybabel extract -k N_`` collects it for translation."""
    return text
