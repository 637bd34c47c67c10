"""The beacon's JSON body → a typed :class:`Beacon`, or one 400 naming the field.

The body comes from anyone, so every field is checked before an event is made:
its type, its range or length, and no control character (PostgreSQL refuses a
NUL; an out-of-range number once failed the event writer's whole batch). What
a field *means* (a known slug, a well-formed visit id) is the view's business;
this module only refuses what no meaning could use.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb.services.events import UNSTORABLE
from kb.views.params import ParamError

Reader = Callable[[str, Any], Any]
_READ = "kb.payload.read"
RANK_MAX = 1000  # results a search page or the suggestions can show


def text(max_length: int) -> Reader:
    """Text of at most ``max_length`` characters; absent or null is ""."""

    def read(name: str, raw: Any) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            raise ParamError(name, _l("%(field)s must be text.", field=name))
        if len(raw) > max_length:
            raise ParamError(
                name,
                _l(
                    "%(field)s must be at most %(max)s characters.",
                    field=name,
                    max=max_length,
                ),
            )
        if UNSTORABLE.search(raw):
            raise ParamError(
                name,
                _l(
                    "The field “%(field)s” contains a control character (such as "
                    "NUL) that cannot be stored. Remove it and try again.",
                    field=name,
                ),
            )
        return raw

    return read


def whole(high: int) -> Reader:
    """A whole number from 1 to ``high``; absent or null is None."""

    def read(name: str, raw: Any) -> int | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ParamError(name, _l("%(field)s must be a whole number.", field=name))
        if not 1 <= raw <= high:
            raise ParamError(
                name,
                _l("%(field)s must be between 1 and %(high)s.", field=name, high=high),
            )
        return raw

    return read


def yes_no(name: str, raw: Any) -> bool | None:
    """true or false; absent or null is None."""
    if raw is None or isinstance(raw, bool):
        return raw
    raise ParamError(name, _l("%(field)s must be true or false.", field=name))


def field(reader: Reader) -> Any:
    """A :class:`Beacon` field read from the body's key of the same name."""
    return dataclasses.field(metadata={_READ: reader})


@dataclasses.dataclass(frozen=True)
class Beacon:
    """What the page's script sends (kb/static/js/insights.js), checked."""

    t: str = field(text(16))  # view, click, pick, vote or reason
    v: str = field(text(64))  # the visit id the tab made up
    slug: str = field(text(200))
    section: str = field(text(200))
    src: str = field(text(64))  # a platform or widget (?src= of the page)
    r: str = field(text(64))  # a public reply's code (?r= of the page)
    sr: bool | None = field(yes_no)  # opened from a search result
    k: str = field(text(64))  # the key of the search or vote
    rank: int | None = field(whole(RANK_MAX))
    q: str = field(text(500))  # a picked suggestion's query
    lang: str = field(text(16))
    n: int | None = field(whole(RANK_MAX))  # suggestions shown
    helpful: bool | None = field(yes_no)
    reason: str = field(text(32))
    comment: str = field(text(2000))


def parse_beacon(data: Mapping[str, Any]) -> Beacon:
    """Check every field of ``data`` (ParamError naming the first bad one)."""
    return Beacon(
        **{
            f.name: f.metadata[_READ](f.name, data.get(f.name))
            for f in dataclasses.fields(Beacon)
        }
    )


def json_object(body: bytes) -> dict[str, Any]:
    """``body`` as a JSON object; ParamError("body") for anything else.

    A deeply nested body (30,000 brackets fit in a few kilobytes) makes the
    parser give up with RecursionError; it is a bad body like any other.
    """
    try:
        data = json.loads(body)
    except RecursionError:
        raise ParamError("body", _("The JSON is nested too deeply.")) from None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ParamError("body", _("Send a JSON object."))
    return data
