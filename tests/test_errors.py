"""Errors reach someone: a request id to quote, JSON log lines, and Sentry without personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from expeditie.errors import JsonFormatter, RequestIdFilter
from expeditie.sentry import init_sentry, scrub_event

CARD = "Mijn buurvrouw Fatima helpt mij met de boodschappen"
NAME = "Fatima Yilmaz"
EMAIL = "fatima.yilmaz@example.org"
COOKIE = "geheim-koekje-4711"
PERSONAL = (CARD, NAME, EMAIL, COOKIE, "Fatima", "fatima.yilmaz")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Django's request logger written as production writes it: the JSON formatter and filter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
@pytest.mark.urls("tests.errors_urls")
def test_a_failing_view_shows_an_id_that_is_in_the_json_log_without_the_card(json_log):
    client = Client(raise_request_exception=False)
    response = client.post("/kapot/", {"text": CARD, "email": EMAIL}, QUERY_STRING=f"n={NAME}")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    page = response.content.decode()
    assert f"Foutcode: <code>{request_id}</code>" in page
    assert f"Error code: <code>{request_id}</code>" in page

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [line] = [line for line in lines if line["level"] == "ERROR"]
    assert line["request_id"] == request_id
    assert line["path"] == "/kapot/"
    assert line["exception"] == "builtins.ValueError"
    assert any(frame.endswith(" in fails") for frame in line["frames"])
    for personal in PERSONAL:
        assert personal not in json_log.getvalue()


def test_every_answer_carries_a_request_id_of_its_own(client):
    first = client.get("/gezond/")["X-Request-ID"]
    second = client.get("/gezond/")["X-Request-ID"]
    assert first and second and first != second


@pytest.mark.parametrize(
    ("remote", "incoming", "kept"),
    [
        ("127.0.0.1", "0123456789abcdef0123456789abcdef", True),  # nginx's $request_id
        ("127.0.0.1", "bad id\nwith a new line", False),
        ("127.0.0.1", "<script>alert(1)</script>", False),
        ("127.0.0.1", "x" * 200, False),
        ("203.0.113.5", "0123456789abcdef0123456789abcdef", False),  # not from the proxy
    ],
)
def test_an_incoming_request_id_is_taken_only_from_the_proxy_and_only_if_safe(
    settings, remote, incoming, kept
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(REMOTE_ADDR=remote, headers={"X-Request-ID": incoming})
    answered = client.get("/gezond/")["X-Request-ID"]
    assert (answered == incoming) is kept
    if not kept:
        assert "\n" not in answered and "<" not in answered and len(answered) <= 64


class MemoryTransport(Transport):
    """Keeps what sentry-sdk would send, instead of sending it."""

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def sent(self) -> str:
        return "\n".join(
            envelope.serialize().decode("utf-8", "replace") for envelope in self.envelopes
        )


@pytest.fixture
def sentry(monkeypatch) -> Iterator[MemoryTransport]:
    """A real sentry-sdk client set up as production sets it up, with no network."""
    transport = MemoryTransport()
    original_init = sentry_sdk.init

    def init_with_memory(**options):
        return original_init(transport=transport, **options)

    monkeypatch.setattr(sentry_sdk, "init", init_with_memory)
    init_sentry(
        "https://public@sentry.invalid/1", traces_sample_rate=1.0, environment="test", release=""
    )
    try:
        yield transport
    finally:
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
@pytest.mark.urls("tests.errors_urls")
def test_sentry_gets_the_error_and_the_slow_request_without_personal_data(sentry, world):
    user = world.user("resident")
    user.first_name, user.email = NAME, EMAIL
    user.save()
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Through Django's WSGI handler, as gunicorn calls it: Sentry times requests there.
    body = urlencode({"text": CARD, "email": EMAIL}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/kapot/",
        "QUERY_STRING": urlencode({"email": EMAIL, "name": NAME}),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"writer={COOKIE}; {settings.SESSION_COOKIE_NAME}={session_cookie}",
        "HTTP_X_NAME": NAME,
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    answered: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
        answered.update(status=status, headers=dict(headers))

    b"".join(WSGIHandler()(environ, start_response))
    assert str(answered["status"]).startswith("500")
    sentry_sdk.flush()

    sent = sentry.sent()
    items = [item for envelope in sentry.envelopes for item in envelope.items]
    events = [item.payload.json for item in items if item.type == "event"]
    transactions = [item.payload.json for item in items if item.type == "transaction"]
    assert events and transactions
    [error] = events
    # What helps to find the fault is there ...
    [exception] = error["exception"]["values"]
    assert exception["type"] == "ValueError"
    frames = exception["stacktrace"]["frames"]
    assert any(frame["function"] == "fails" and frame["lineno"] for frame in frames)
    assert error["request"]["url"].endswith("/kapot/")
    assert error["tags"]["request_id"] == answered["headers"]["X-Request-ID"]
    # ... and nothing a member wrote or is.
    for personal in PERSONAL:
        assert personal not in sent
    assert "user" not in error
    assert "cookies" not in error["request"] and "data" not in error["request"]
    assert "query_string" not in error["request"]


def test_a_crafted_event_loses_card_texts_names_addresses_and_cookies():
    """The event as sentry-sdk's Django integration builds it, when it collects everything."""
    event = {
        "level": "error",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"could not store {CARD!r} for {EMAIL}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "post_card",
                                "module": "pitstops.live",
                                "lineno": 42,
                                "vars": {"text": CARD, "name": NAME},
                                "context_line": "    raise ValueError(text)",
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "method": "POST",
            "url": f"https://pitstop.example.org/sessie/7/meedoen/kaart/?email={EMAIL}",
            "query_string": f"email={EMAIL}",
            "data": {"text": CARD},
            "cookies": {"writer": COOKIE},
            "headers": {"Cookie": f"writer={COOKIE}", "X-Request-Id": "abcdef0123456789"},
            "env": {"REMOTE_ADDR": "203.0.113.5"},
        },
        "user": {"username": NAME, "email": EMAIL, "ip_address": "203.0.113.5"},
        "logentry": {"message": "card %s failed", "params": [CARD], "formatted": CARD},
        "breadcrumbs": {"values": [{"category": "query", "message": CARD, "data": {"p": EMAIL}}]},
        "extra": {"card": CARD},
        "tags": {"request_id": "abcdef0123456789"},
    }
    scrubbed = scrub_event(event, {})
    text = json.dumps(scrubbed)
    for personal in (*PERSONAL, "203.0.113.5"):
        assert personal not in text
    frame = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert (frame["function"], frame["lineno"]) == ("post_card", 42)
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"
    assert scrubbed["request"]["url"] == "https://pitstop.example.org/sessie/7/meedoen/kaart/"
    assert scrubbed["tags"]["request_id"] == "abcdef0123456789"


def test_without_a_dsn_sentry_is_not_set_up():
    init_sentry("", traces_sample_rate=1.0, environment="", release="")
    assert not sentry_sdk.get_client().is_active()
