"""A scripted customer for load tests: open the form, submit it, read the receipt.

Used by bench/bench_tickets.py and by the load test (tickets/test_ticket_load.py).
Plain urllib, one cookie jar per submission (the CSRF token is bound to the session
cookie), no automatic redirects so every status the server sends is seen and recorded.
"""

from __future__ import annotations

import html
import http.client
import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

# The CSRF field carries no id (several forms share a page).
CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
REFERENCE = re.compile(r"JWB-[0-9A-Z]{5}")
SECRET_LINK = re.compile(
    r'<input id="secret-link" type="text" readonly value="([^"]+)"'
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# What a dying or unreachable server looks like to a client.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Send ``Secure`` cookies to http://127.0.0.1, as browsers do for loopback.

    Jawab marks its session cookie Secure in production; urllib would otherwise
    drop it over plain HTTP and every POST would fail the CSRF check.
    """

    def return_ok_secure(self, cookie, request) -> bool:  # noqa: D102
        host = urllib.parse.urlsplit(request.get_full_url()).hostname
        return host in LOOPBACK or super().return_ok_secure(cookie, request)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):  # noqa: D102
        return None  # surface the 302 as an HTTPError we can inspect


def new_opener() -> urllib.request.OpenerDirector:
    """An opener with its own cookie jar that never follows redirects."""
    jar = http.cookiejar.CookieJar(policy=LoopbackIsSecure())
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
    )


def fetch(
    opener: urllib.request.OpenerDirector,
    url: str,
    data: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, str, str]:
    """(status, body, Location header); connection failures raise."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        response = opener.open(url, data=body, timeout=timeout)
    except urllib.error.HTTPError as error:
        with error:
            return (
                error.code,
                error.read().decode("utf-8", "replace"),
                (error.headers.get("Location") or ""),
            )
    with response:
        return (
            response.status,
            response.read().decode("utf-8", "replace"),
            (response.headers.get("Location") or ""),
        )


@dataclass
class Submission:
    """What one customer saw while opening a ticket."""

    subject: str
    statuses: list[int] = field(default_factory=list)
    posted: bool = False  # the POST was sent (the server may have stored it)
    reference: str | None = None
    link: str | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def acknowledged(self) -> bool:
        """The customer was shown a reference and a secret link."""
        return self.reference is not None and self.link is not None


def form_data(subject: str, csrf_token: str) -> dict[str, str]:
    """A valid contact form for ``subject``."""
    return {
        "name": "Load Tester",
        "email": "load.tester@example.com",
        "subject": subject,
        "message": f"Message body for {subject}: my order has not arrived yet.",
        "category": "",
        "platform": "",
        "thread_url": "",
        "article": "",
        "case": "",
        "website": "",
        "csrf_token": csrf_token,
    }


def submit(
    base: str, subject: str, lang: str = "en", timeout: float = 30
) -> Submission:
    """GET the form, POST it, GET the acknowledgement; never raises."""
    result = Submission(subject)
    opener = new_opener()
    started = time.perf_counter()
    try:
        status, page, _ = fetch(opener, f"{base}/{lang}/contact", timeout=timeout)
        result.statuses.append(status)
        token = CSRF.search(page)
        if status != 200 or token is None:
            result.error = f"form: HTTP {status}, csrf token found: {bool(token)}"
            return result
        result.posted = True
        status, page, location = fetch(
            opener,
            f"{base}/{lang}/contact",
            form_data(subject, html.unescape(token.group(1))),
            timeout=timeout,
        )
        result.statuses.append(status)
        if status != 302 or not location.endswith(f"/{lang}/contact/sent"):
            result.error = f"submit: HTTP {status} Location={location!r}"
            return result
        status, page, _ = fetch(
            opener, urllib.parse.urljoin(base, location), timeout=timeout
        )
        result.statuses.append(status)
        reference, link = REFERENCE.search(page), SECRET_LINK.search(page)
        if status != 200 or reference is None or link is None:
            result.error = f"receipt: HTTP {status}, reference/link missing"
            return result
        result.reference = reference.group(0)
        result.link = html.unescape(link.group(1))
    except CONNECTION_ERRORS as error:
        result.error = f"{type(error).__name__}: {error}"
    finally:
        result.seconds = time.perf_counter() - started
    return result


def open_link(base: str, link: str, timeout: float = 30) -> tuple[int, str]:
    """GET a secret link's path on ``base`` (the server may have moved port)."""
    parts = urllib.parse.urlsplit(link)
    return fetch(new_opener(), f"{base}{parts.path}", timeout=timeout)[:2]


def burst(
    base: str,
    subjects: Iterable[str],
    threads: int,
    on_result: Callable[[Submission], None] | None = None,
    stop: threading.Event | None = None,
) -> list[Submission]:
    """Submit every subject from ``threads`` concurrent customers.

    After ``stop`` is set, remaining submissions are skipped (not attempted).
    """
    lock = threading.Lock()
    results: list[Submission] = []

    def one(subject: str) -> None:
        if stop is not None and stop.is_set():
            return
        outcome = submit(base, subject)
        with lock:
            results.append(outcome)
        if on_result is not None:
            on_result(outcome)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(one, s) for s in subjects]:
            future.result()
    return results


def timed_gets(base: str, path: str, count: int, threads: int) -> list[float]:
    """Latency of ``count`` GETs of ``path`` (fresh opener each, like submit)."""

    def one(_index: int) -> float:
        started = time.perf_counter()
        status, _body, _ = fetch(new_opener(), f"{base}{path}")
        if status != 200:
            raise AssertionError(f"GET {path}: HTTP {status}")
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(count)))
