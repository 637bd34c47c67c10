"""Request arguments → a typed dataclass, with one 400 shape (page and JSON).

Every view that reads query arguments declares what it accepts as a frozen
dataclass whose fields carry a parser (:func:`arg`), and calls :func:`parse`.
A value that cannot be used raises :class:`ParamError` naming the field; a view
either shows it beside the form (the search page, the link picker) or answers
the one 400 with ``kb.views.api.errors.invalid(field, message)`` — the error
page for browsers, ``{"error", "status", "field"}`` for JSON clients.
Lenient parsers (:func:`choice`) fall back to a default instead: an old link
with an unknown filter value still opens the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kb.services.search import MAX_LIMIT, MAX_PAGE, SearchRequest
from kb.vocab import LANGUAGES

T = TypeVar("T")
Parser = Callable[[str | None], Any]
_PARSE = "kb.params.parse"
_NAMES = "kb.params.names"


class ParamError(ValueError):
    """A request argument is unusable; ``field`` names it."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def arg(parser: Parser, *names: str) -> Any:
    """A dataclass field read from the query by ``parser``.

    ``names`` are the argument's names, first wins (old names keep old links
    working); the field's own name by default.
    """
    return dataclasses.field(metadata={_PARSE: parser, _NAMES: names})


def parse(cls: type[T], args: Mapping[str, str], **fixed: Any) -> T:
    """Build ``cls`` from ``args``; ``fixed`` values are passed as they are."""
    values = dict(fixed)
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in values or _PARSE not in field.metadata:
            continue
        raw = next(
            (args[n] for n in field.metadata[_NAMES] or (field.name,) if n in args),
            None,
        )
        try:
            values[field.name] = field.metadata[_PARSE](raw)
        except ParamError as error:
            raise ParamError(field.name, error.message) from None
    return cls(**values)


# -- parsers ------------------------------------------------------------------


def text(max_length: int | None = None, *, squeeze: bool = True) -> Parser:
    """Free text, whitespace folded, cut to ``max_length`` characters if given."""

    def read(raw: str | None) -> str:
        value = " ".join((raw or "").split()) if squeeze else (raw or "").strip()
        return value if max_length is None else value[:max_length]

    return read


def choice(allowed: tuple[str, ...], default: str) -> Parser:
    """One of ``allowed``; anything else is ``default`` (old links keep working)."""

    def read(raw: str | None) -> str:
        return raw if raw in allowed else default

    return read


def number(name: str, default: int, high: int) -> Parser:
    """A whole number from 1 to ``high``; absent → ``default``; else a 400."""

    def read(raw: str | None) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ParamError(
                name, _l("%(field)s must be a whole number.", field=name)
            ) from None
        if not 1 <= value <= high:
            raise ParamError(
                name,
                _l("%(field)s must be between 1 and %(high)s.", field=name, high=high),
            )
        return value

    return read


def verbatim(raw: str | None) -> str:
    """The argument exactly as sent (a trailing space can mean something)."""
    return raw or ""


def identifier(raw: str | None) -> int | None:
    """A row id chosen from a list; anything else is ``None`` (nothing chosen)."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def present(raw: str | None) -> bool:
    """True when the argument was sent with any value (a named submit button)."""
    return bool(raw)


def flag(raw: str | None) -> bool:
    """``1`` is on; anything else off."""
    return raw == "1"


def optional(max_length: int) -> Parser:
    """Text that may be absent (``None``), cut to ``max_length`` characters."""

    def read(raw: str | None) -> str | None:
        value = (raw or "").strip()
        return value[:max_length] or None

    return read


def sent(args: Mapping[str, str], names: tuple[str, ...], max_length: int) -> dict:
    """The named arguments that were sent, each cut to ``max_length``.

    For forms whose fields are all free text and where an absent field means
    "unchanged" (the editor's autosave), so a dataclass per field adds nothing.
    """
    return {name: str(args[name])[:max_length] for name in names if name in args}


@dataclasses.dataclass(frozen=True)
class NextArgs:
    """Where to go afterwards; the view still passes it through ``safe_next``."""

    next: str | None = arg(optional(2000))


def next_target(args: Mapping[str, str]) -> str | None:
    """The ``next`` argument of a query or form, unchecked (see ``safe_next``)."""
    return parse(NextArgs, args).next


@dataclasses.dataclass(frozen=True)
class LangArgs:
    """The language an API client asks for; anything else is no choice."""

    lang: str | None = arg(lambda raw: raw if raw in LANGUAGES else None)


def asked_lang(args: Mapping[str, str]) -> str | None:
    """``lang`` when it names a language of the site, else None (never a 400)."""
    return parse(LangArgs, args).lang


def cache_key(args: MultiDict[str, str], ignore: tuple[str, ...]) -> tuple:
    """Every argument as sent (repeats and order kept) but ``ignore``.

    What a page cached per URL depends on; arguments the page never reads
    only make more keys, which the cache's bound holds in check.
    """
    return tuple((k, v) for k, v in args.items(multi=True) if k not in ignore)


# -- the search arguments, shared by the search page, the API and the desk ------


@dataclasses.dataclass(frozen=True)
class _SearchArgs:
    q: str = arg(text())
    lang: str | None = arg(lambda raw: raw or None)
    category: str | None = arg(lambda raw: (raw or "").strip() or None)
    page: int = arg(number("page", 1, MAX_PAGE))
    limit: int = arg(number("limit", 10, MAX_LIMIT))


def search_request(
    args: Mapping[str, str], max_length: int, **fixed: Any
) -> SearchRequest:
    """Validate search arguments into a :class:`SearchRequest` (or ParamError).

    ``fixed`` values (the search page's language filter) replace arguments.
    """
    found = parse(_SearchArgs, args, **fixed)
    if len(found.q) > max_length:
        raise ParamError(
            "q",
            _l(
                "Your search is too long (%(length)s characters). Please use at most "
                "%(max)s characters — a few key words work best.",
                length=len(found.q),
                max=max_length,
            ),
        )
    if found.lang is not None and found.lang not in LANGUAGES:
        raise ParamError("lang", _l("lang must be one of: id, en."))
    if found.category is not None and len(found.category) > 100:
        raise ParamError("category", _l("category is not a known category."))
    return SearchRequest(
        q=found.q,
        lang=found.lang,
        category=found.category,
        page=found.page,
        limit=found.limit,
    )
