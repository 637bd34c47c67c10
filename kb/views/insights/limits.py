"""How much one client can make count: searches, article views and votes.

Every limit keys on the client's address (the real one behind
``KB_TRUSTED_PROXIES``), because that is what an attacker cannot make up: a
visit id is whatever the request says. An address can also be a whole carrier's
customers behind one NAT, so the numbers are ceilings far above what one person
does, low enough that one address cannot fill the reports: a person searches or
opens an article every few seconds at most and votes a few times a visit, while
the script that turned the digest's "helpful" share to 0% sent 120 votes a
minute, each with a fresh visit id. Signed-in staff are never limited here
(they are never counted either). Counters live in the rate-limit storage, so
with Redis every worker and node shares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from kb import throttle
from kb.extensions import limiter
from kb.security import is_local
from kb.views import params

# Searches (the search page and /api/v1/search share one budget): a customer
# typing, refining and paging sends a few a minute; 60 is one a second for a whole
# minute, dozens of people at once behind one address. The hourly ceiling (about
# 17 a minute held for an hour) stops one script from filling the search gaps.
SEARCHES = "60/minute;1000/hour"
# Article views (the script's beacon and the no-JavaScript pixel): counted once
# per visit anyway; the ceiling bounds what one address can add to a count.
VIEWS = "60/minute;1000/hour"
# Votes per address: one in many readers votes, and a reader a few times; 20 a
# minute and 120 an hour are many readers voting at once behind one address.
# The day's ceiling keeps one address from outvoting a week of real readers.
VOTES_PER_CLIENT = "20/minute;120/hour;500/day"
# Votes per visit: a reader votes on the article and a few sections, and may
# change their mind; more than this from one visit is not reading.
VOTES_PER_VISIT = "10/minute;30/hour"


@dataclass(frozen=True)
class _Searched:
    """Whether the request searches for anything (the page without one does not)."""

    q: str = params.arg(params.text())


def _search_not_limited() -> bool:
    # Staff search all day (the desk's link picker); no query costs nothing.
    if current_user.is_authenticated:
        return True
    if _own_machine():
        return True
    return not params.parse(_Searched, request.args).q


def _own_machine() -> bool:
    """True for a development server asked from its own machine.

    A developer's scripts measure search with hundreds of queries a minute
    (the search-evaluation tool asks through the app's test client, whose
    address is 127.0.0.1). In production every address counts: behind a
    proxy not listed in ``KB_TRUSTED_PROXIES`` every customer would be
    127.0.0.1, and they must not all go unlimited.
    """
    if current_app.config["KB_ENV"] == "production":
        return False
    return is_local(request.remote_addr or "")


# One budget for the search page and the JSON API, whichever route is asked.
search_limit = limiter.shared_limit(
    SEARCHES, scope="search", exempt_when=_search_not_limited
)


def too_many(wait: int) -> NoReturn:
    """Stop the request with a 429 that says when to try again."""
    raise TooManyRequests(_("Please wait a minute and try again."), retry_after=wait)


def view_wait() -> int:
    """Count one article view for this client; seconds to wait if over (0: go)."""
    return throttle.take(VIEWS, "views", throttle.client())


def vote_wait(visit: str | None) -> int:
    """Count one vote for this client and visit; seconds to wait if over (0: go)."""
    wait = throttle.take(VOTES_PER_CLIENT, "votes", throttle.client())
    if not wait and visit:
        wait = throttle.take(VOTES_PER_VISIT, "votes-visit", visit)
    return wait
