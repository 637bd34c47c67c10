"""Template helpers: language names, dates and the language switch URL."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from kb import i18n, site_time, vocab
from kb.storage.models import Message
from kb.views import staff_nav, urls

# The characters Flask's url_for leaves unquoted in an anchor.
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"

# The vocabularies a template shows by name, translated: built once per
# locale (the catalogues never change while the app runs) instead of on every use.
LABEL_TABLES = {
    "status_names": vocab.STATUS_NAMES,
    "priority_names": vocab.PRIORITY_NAMES,
    "rating_names": vocab.RATING_NAMES,
    "platform_names": vocab.PLATFORM_NAMES,
    "role_names": vocab.ROLE_NAMES,
    "reason_names": vocab.VOTE_REASON_NAMES,
    "outcome_names": vocab.REPLY_OUTCOME_NAMES,
    "view_source_names": vocab.VIEW_SOURCE_NAMES,
}


def label_tables(locale: str) -> dict[str, dict[str, str]]:
    """Every label table translated into ``locale`` (the request's), kept per app."""
    kept = current_app.extensions.setdefault("jawab.labels", {})
    tables = kept.get(locale)
    if tables is None:
        tables = {
            name: {key: str(label) for key, label in table.items()}
            for name, table in LABEL_TABLES.items()
        }
        kept[locale] = tables
    return tables


def init_app(app: Flask) -> None:
    """Make helpers available to every template."""
    # ``_()`` and ``ngettext()`` in templates: one catalogue look-up per request.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.template_gettext,
        ngettext=i18n.template_ngettext,
        newstyle=True,
    )

    # Globals, so that imported macros (which get no context) can call them.
    app.jinja_env.globals.update(
        chrome_urls=urls.chrome_urls,
        search_url=urls.search_url,
        article_href=urls.article_href,
        format_date=format_date,
        format_time=format_time,
        zone_name=zone_name,
    )

    @app.template_filter("message_html")
    def message_html_filter(message: Message) -> Markup:
        """An agent message's HTML, stored (nh3-sanitized) when it was saved."""
        if message.body_html is None:  # not backfilled: render, never re-store here
            from kb.markdown import message_html

            return Markup(message_html(message.body or ""))  # noqa: S704
        return Markup(message.body_html)  # noqa: S704 - sanitized when saved

    @app.context_processor
    def helpers() -> dict:
        locale = str(get_locale())
        return {
            # The vocabularies' display labels, for every template.
            "lang_names": vocab.LANG_NAMES,
            **label_tables(locale),
            "staff_nav": staff_nav.visible_items,
            "other_lang": i18n.other_lang,
            "switch_url": _switch_url,
            "with_anchor": with_anchor,
            "format_date": format_date,
            "format_time": format_time,
            "zone_name": zone_name,
            "utc_iso": utc_iso,
            "site_name": app.config["SITE_NAME"],
            # Pages without a language in their URL (staff pages) speak the
            # interface language; views that know better pass ``lang`` themselves.
            "lang": locale,
        }


def _switch_url(target_lang: str, alternate: str | None) -> str:
    """The header's language switch: remember the choice, land on ``alternate``."""
    return url_for(
        "public.switch_language",
        lang=target_lang,
        next=alternate or request.full_path.rstrip("?"),
    )


def with_anchor(url: str, anchor: str) -> str:
    """``url`` with ``#anchor``, quoted as ``url_for(..., _anchor=anchor)`` does.

    A table linking many sections of one page builds the page's URL once.
    """
    return f"{url}#{quote(anchor, safe=ANCHOR_SAFE)}"


def _gmt(offset: dt.timedelta) -> str:
    """``GMT+7``, ``GMT-3:30``, ``UTC`` for an offset from UTC."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def utc_iso(moment: dt.datetime) -> str:
    """An instant as ISO 8601 in UTC with its offset (a ``<time datetime>``)."""
    if moment.tzinfo is None:  # SQLite hands back UTC without its zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=32)
def _datetime_pattern(locale_name: str) -> tuple[Locale, str]:
    """The language's medium date and short time joined its own way, as a pattern."""
    locale = Locale.parse(locale_name)
    date = locale.date_formats["medium"].pattern
    time = locale.time_formats["short"].pattern
    return locale, str(locale.datetime_formats["medium"]).format(time, date)


@functools.lru_cache(maxsize=1024)
def _zone_label(zone: str, hour: dt.datetime, locale_name: str) -> str:
    """The zone's short name at ``hour`` ("WIB"), else "GMT+7" ("+0700" says little).

    Keyed by the hour (zones change offset on the hour), so a page of times
    asks Babel once per hour shown rather than once per time; and by the zone's
    name, since aware datetimes of one instant in two zones compare equal.
    """
    name = babel_datetime(hour, "z", tzinfo=hour.tzinfo, locale=locale_name)
    return _gmt(hour.utcoffset() or dt.timedelta()) if name[-1:].isdigit() else name


def format_time(moment: dt.datetime) -> str:
    """A date and time in the site's zone (``KB_TIME_ZONE``), as the language writes it.

    Babel's medium date and short time joined by the language's own pattern
    ("Dec 7, 2026, 6:34 PM GMT+7", "7 Des 2026 18.34 WIB"): one format per
    language on every page and mail. Patterns and zone names are worked out
    once per language (a ticket page shows dozens of times).
    """
    zone = current_app.config.get("TIME_ZONE") or "UTC"
    locale_name = str(get_locale())
    locale, pattern = _datetime_pattern(locale_name)
    local = site_time.as_utc(moment).astimezone(ZoneInfo(zone))
    hour = local.replace(minute=0, second=0, microsecond=0)
    label = _zone_label(zone, hour, locale_name)
    return f"{babel_datetime(local, pattern, locale=locale)} {label}"


def format_date(moment: dt.date | dt.datetime, format: str = "medium") -> str:
    """A date as the language writes it ("7 Des 2026"), in the site's zone.

    The date-only partner of :func:`format_time`: a datetime (naive means
    UTC) is first moved into ``KB_TIME_ZONE``, so 23:30 UTC is the next day
    in Jakarta; a date is shown as it is. ``format`` is Babel's ("short",
    "medium", "long", "full").
    """
    if isinstance(moment, dt.datetime):
        moment = site_time.as_utc(moment).astimezone(site_time.site_zone()).date()
    return babel_date(moment, format, locale=str(get_locale()))


def zone_name() -> str:
    """The site's zone as a person reads it: "Asia/Jakarta (WIB)" (its label now)."""
    zone = current_app.config.get("TIME_ZONE") or "UTC"
    now = dt.datetime.now(ZoneInfo(zone)).replace(minute=0, second=0, microsecond=0)
    label = _zone_label(zone, now, str(get_locale()))
    return zone if label == zone else f"{zone} ({label})"
