"""Redis down (issue 19, M4): every page keeps working and nothing typed is lost.

The rate-limit storage points at a port nothing listens on (``redis://127.0.0.1:1``),
or at the real Redis through a TCP relay that the test closes and opens again.
Limits then count in each worker's memory, one log line says so per outage, a
counter in ``kb.metrics`` records it, and counting goes back to Redis when it
answers again. ``/healthz`` tells a load balancer only "ok"; the admins' health
page shows each dependency and the worker's counters.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid

import pytest
from flask import Flask
from helpers import (
    CONTACT_FORM,
    csrf,
    login,
    make_staff,
    open_ticket,
    rows,
    signed_in,
    staff_email,
)

from kb import metrics
from kb.storage.models import Ticket

UNREACHABLE = "redis://127.0.0.1:1"  # port 1: connections are refused at once
WRONG_LINK = "/t/JWB-ZZZZZ/" + "C" * 43
# The counters kb.ratelimit keeps in kb.metrics.
OUTAGES = "ratelimit.storage_unreachable"
RECOVERIES = "ratelimit.storage_recovered"
IN_MEMORY = "ratelimit.counted_in_memory"


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "kb.ratelimit" and "unreachable" in r.getMessage()
    ]


@pytest.fixture()
def outage_app(make_app, database_url: str) -> Flask:
    """The app over a migrated database, its Redis unreachable."""
    metrics.reset()
    app = make_app(DATABASE_URL=database_url, RATELIMIT_STORAGE_URI=UNREACHABLE)
    make_staff(app, "agent", "admin")
    return app


def test_redis_down_keeps_every_page_working(outage_app, caplog) -> None:
    client = outage_app.test_client()
    with caplog.at_level(logging.WARNING):
        # The contact form: the ticket is stored and acknowledged (was a 500).
        opened = open_ticket(client)
        assert [t.reference for t in rows(outage_app, Ticket)] == [opened.reference]
        assert client.get(opened.path).status_code == 200
        # A wrong secret link is a 404, a beacon a 204 (both were 500s).
        assert client.get(WRONG_LINK).status_code == 404
        beacon = client.post(
            "/e",
            json={"t": "view", "slug": "reset-password"},
            headers={"Sec-Fetch-Site": "same-origin"},  # as insights.js's fetch
        )
        assert beacon.status_code == 204
        # Sign-in with the right password, and a wrong one, answer as usual.
        staff = outage_app.test_client()
        assert login(staff, staff_email("agent"), "wrong password!!").status_code == 401
        assert login(staff, staff_email("agent")).status_code == 302
        assert staff.get("/agent/").status_code == 200
        # The new-link form too.
        token = csrf(client, "/en/contact/new-link")
        new_link = client.post(
            "/en/contact/new-link",
            data={
                "csrf_token": token,
                "reference": opened.reference,
                "email": CONTACT_FORM["email"],
            },
        )
        assert new_link.status_code == 200
    # Loud, but once per outage, not once per request.
    assert len(_outage_lines(caplog)) == 1
    assert "redis://127.0.0.1:1" in _outage_lines(caplog)[0]
    assert metrics.value(OUTAGES) == 1
    assert metrics.value(IN_MEMORY) > 10


def test_limits_still_hold_while_redis_is_down(outage_app) -> None:
    client = outage_app.test_client()
    statuses = [client.get(WRONG_LINK).status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]
    staff = outage_app.test_client()
    tries = [
        login(staff, staff_email("admin"), "wrong password!!").status_code
        for _ in range(5)
    ]
    assert tries == [401] * 4 + [429]  # the sign-in delay counts in memory too


def test_a_contact_form_over_its_limit_is_a_429_not_a_500(outage_app) -> None:
    client = outage_app.test_client()
    for n in range(5):
        open_ticket(client, subject=f"Question {n}")
    token = csrf(client, "/en/contact")
    response = client.post("/en/contact", data={**CONTACT_FORM, "csrf_token": token})
    assert response.status_code == 429


# -- Redis comes back -----------------------------------------------------------


class Relay:
    """A TCP relay to the real Redis that can be closed and opened again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        """Accept connections on :attr:`port` and pass them to the target."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            upstream = socket.create_connection(self.target, timeout=5)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        """Refuse new connections and cut the open ones (Redis "goes down")."""
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone
            # would leave the socket listening until a last connection came.
            self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets.clear()


def _redis():
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    return client


def test_counting_returns_to_redis_when_it_comes_back(
    make_app, database_url, caplog, monkeypatch
) -> None:
    redis = _redis()
    relay = Relay(("127.0.0.1", 6379))
    relay.start()
    prefix = f"jawab-test-{uuid.uuid4().hex}"
    metrics.reset()
    app = make_app(
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{relay.port}",
        RATELIMIT_KEY_PREFIX=prefix,
    )
    client = app.test_client()

    def counted_in_redis() -> int:
        # The per-client wrong-link counters live under the test's own prefix.
        keys = redis.keys(f"*{prefix}/ticket-client/*")
        return sum(int(redis.get(key) or 0) for key in keys)

    try:
        with caplog.at_level(logging.WARNING):
            assert client.get(WRONG_LINK).status_code == 404
            assert counted_in_redis() == 2  # two limits: per minute and per hour

            relay.stop()  # Redis "goes down"
            assert client.get(WRONG_LINK).status_code == 404
            assert counted_in_redis() == 2  # counted in memory meanwhile
            assert metrics.value(OUTAGES) == 1

            relay.start()  # ... and comes back; the next call may try it now
            from kb import ratelimit

            monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.0)
            assert client.get(WRONG_LINK).status_code == 404
            assert counted_in_redis() == 4  # counting is back in Redis
        assert metrics.value(RECOVERIES) == 1
        assert len(_outage_lines(caplog)) == 1
        assert any("answers again" in r.getMessage() for r in caplog.records)
    finally:
        relay.stop()
        for key in redis.keys(f"*{prefix}*"):
            redis.delete(key)


# -- health, for load balancers and for admins -------------------------------------


def test_healthz_says_only_ok(outage_app) -> None:
    response = outage_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}  # Redis down is not its business
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_without_a_database(make_app) -> None:
    # Nothing listens on port 9: the database is "down".
    app = make_app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/test")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_admins_see_dependencies_and_counters(outage_app) -> None:
    outage_app.test_client().get(WRONG_LINK)  # counted in memory
    admin = signed_in(outage_app, staff_email("admin"))
    page = admin.get("/admin/health").get_data(as_text=True)
    assert "redis://127.0.0.1:1 does not answer" in page
    assert OUTAGES in page and IN_MEMORY in page
    assert "Database" in page and "answers" in page
    assert "console: mail is printed" in page
    agent = signed_in(outage_app, staff_email("agent"))
    assert agent.get("/admin/health").status_code == 403
