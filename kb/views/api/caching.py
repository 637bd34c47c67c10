"""Conditional GETs for article reads: ETag, Last-Modified, 304, Cache-Control."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from kb.storage.articles import ArticleFile
from kb.views.api.schemas import CACHE_CONTROL


def last_modified(articles: Iterable[ArticleFile]) -> dt.datetime | None:
    """The newest of the articles' ``updated`` dates and their files' mtimes.

    The file time catches an edit that did not bump ``updated``.
    """
    root = Path(current_app.config["ARTICLES_DIR"])
    newest: dt.datetime | None = None
    for article in articles:
        stamp = dt.datetime.combine(article.updated, dt.time(), dt.UTC)
        try:
            mtime = (root / article.path).stat().st_mtime
        except OSError:
            mtime = 0.0
        stamp = max(stamp, dt.datetime.fromtimestamp(int(mtime), dt.UTC))
        newest = stamp if newest is None else max(newest, stamp)
    return newest


def cached_json(payload: dict, modified: dt.datetime | None) -> Response:
    """``payload`` as JSON with validators; 304 when the client's copy is current."""
    response = jsonify(payload)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response.last_modified = min(modified, now) if modified else now
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)
