"""The interface speaks Indonesian and English, and no string is left untranslated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

# Its ``client`` tests only read: one app serves them all (conftest.py).
pytestmark = pytest.mark.read_only

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "kb" / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="id")


def test_every_interface_string_is_translated() -> None:
    catalog = _catalog()
    method_map = [("kb/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "_l": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
    }
    missing = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords=keywords,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if (
            entry is None
            or not entry.string
            or entry.fuzzy
            or (isinstance(entry.string, tuple) and not all(entry.string))
        ):
            missing.append(f"{filename}: {msgid}")
    assert not missing, "untranslated (run make extract-messages):\n" + "\n".join(
        missing
    )


def test_pages_speak_the_language_of_the_url(client) -> None:
    indonesian = client.get("/id/").get_data(as_text=True)
    assert "Halo, ada yang bisa kami bantu?" in indonesian
    assert "Hubungi kami" in indonesian
    english = client.get("/en/").get_data(as_text=True)
    assert "Hi, how can we help?" in english


def test_search_page_in_indonesian(client) -> None:
    page = client.get("/id/search?q=kata+sandi").get_data(as_text=True)
    assert "hasil untuk “kata sandi”" in page


def test_api_errors_follow_the_requested_language(client) -> None:
    response = client.get(
        "/api/search?q=" + "x" * 600, headers={"Accept-Language": "id"}
    )
    assert "terlalu panjang" in response.get_json()["error"]
