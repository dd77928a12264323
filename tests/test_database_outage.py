"""A fault drill: PostgreSQL goes away for 10 seconds in the middle of a live session.

The app runs as in production (gunicorn, production settings, persistent connections) against
the CI's PostgreSQL, through a TCP proxy this test controls. Phones join and post cards; then
the proxy cuts every database connection and refuses new ones for 10 seconds while the phones
keep posting, as session.js does (each card keeps its client id and goes again until the server
says it is stored). After the outage: the same server answers again without a restart, no phone
ever got a 500, and every card is stored exactly once.
"""

from __future__ import annotations

import json
import time
import uuid

import psycopg2
import pytest

from tests.benchmarks.live import Browser, open_demo_session
from tests.benchmarks.server import running_server
from tests.benchmarks.tcp_proxy import Proxy
from tests.conftest import in_ci

pytestmark = pytest.mark.postgres

DATABASE = "pitstop_outage_drill"
OUTAGE_SECONDS = 10
PHONES = 4
CARDS_EACH = 6


def admin_connection():
    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    return connection


@pytest.fixture
def drill_database():
    try:
        connection = admin_connection()
    except psycopg2.OperationalError as error:
        message = f"The fault drill needs PostgreSQL on 127.0.0.1:5432: {error}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    connection.close()


class PhoneQueue:
    """A phone as session.js is: each card keeps its client id until the server stores it."""

    def __init__(self, browser: Browser, session_id: int, number: int) -> None:
        self.browser = browser
        self.session_id = session_id
        self.queue = [
            (f"Kaart {card} van telefoon {number}", str(uuid.uuid4())) for card in range(CARDS_EACH)
        ]
        self.statuses: list[int] = []

    def send_one(self) -> None:
        if not self.queue:
            return
        text, client_id = self.queue[0]
        try:
            status, _headers, body = self.browser.post(
                f"/sessie/{self.session_id}/meedoen/kaart/",
                {
                    "text": text,
                    "kind": "observation",
                    "visibility": "coalition",
                    "client_id": client_id,
                },
                Accept="application/json",
            )
        except OSError:
            self.browser.connection.close()
            return  # no connection: try again later, as a phone does
        self.statuses.append(status)
        if status == 200 and json.loads(body)["ok"]:
            self.queue.pop(0)


def cards_stored() -> dict[str, int]:
    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT text, count(*) FROM pitstops_reflection"
            " WHERE text LIKE 'Kaart %%' GROUP BY text"
        )
        counts = dict(cursor.fetchall())
    connection.close()
    return counts


def test_ten_seconds_without_the_database_lose_no_card_and_need_no_restart(drill_database):
    proxy = Proxy(("127.0.0.1", 5432))
    url = f"postgres://postgres@127.0.0.1:{proxy.port}/{DATABASE}"
    try:
        with running_server(
            workers=2,
            setup=[["seed_demo", "--in-production"]],
            environment={"DATABASE_URL": url, "CONN_MAX_AGE": "60"},
        ) as base_url:
            _facilitator, session_id, code = open_demo_session(base_url)
            phones = []
            for number in range(PHONES):
                browser = Browser(base_url)
                browser.form_token("/doe-mee/")
                _status, _headers, page = browser.post("/doe-mee/", {"code": code})
                proof = page.split('name="proof" value="', 1)[1].split('"', 1)[0]
                browser.post(
                    "/doe-mee/wie-ben-je/", {"proof": proof, "guest_name": f"Tel {number}"}
                )
                phones.append(PhoneQueue(browser, session_id, number))
            for phone in phones:  # before the outage: two cards each
                phone.send_one()
                phone.send_one()

            proxy.cut()
            outage_ends = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < outage_ends:  # the phones keep trying during the outage
                for phone in phones:
                    phone.send_one()
            proxy.restore()

            deadline = time.monotonic() + 120  # then they send what they queued
            while any(phone.queue for phone in phones) and time.monotonic() < deadline:
                for phone in phones:
                    phone.send_one()
            health = Browser(base_url).request("GET", "/gezond/")[0]
    finally:
        proxy.close()

    statuses = [status for phone in phones for status in phone.statuses]
    assert 503 in statuses, "the outage was noticed (else the drill tested nothing)"
    assert all(status in (200, 503) for status in statuses), sorted(set(statuses))
    assert not any(phone.queue for phone in phones), "every queued card went out"
    assert health == 200  # the same server, no restart
    stored = cards_stored()
    assert len(stored) == PHONES * CARDS_EACH
    assert set(stored.values()) == {1}, "every card stored exactly once"
