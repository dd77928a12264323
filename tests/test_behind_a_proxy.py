"""Behind nginx: the visitor's address comes from the proxy, bodies that are too large get a
page that says so, and the proxy's headers are believed only from the proxy itself."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

PROXY = "127.0.0.1"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "::1"]
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 2
    return settings


def guess(forwarded_for: str | None, remote: str = PROXY) -> int:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    client = Client(REMOTE_ADDR=remote, **headers)
    return client.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code


def test_each_visitor_behind_the_proxy_has_a_limit_of_their_own(world, behind_proxy):
    assert [guess("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    # Another phone, through the same proxy, is not locked out by the first one's guesses.
    assert guess("203.0.113.6") == 200


def test_the_rightmost_address_counts_and_what_a_visitor_adds_is_ignored(world, behind_proxy):
    """A guesser cannot dodge the limit by inventing addresses left of the proxy's entry."""
    statuses = [guess(f"10.0.0.{number}, 203.0.113.5") for number in range(3)]
    assert statuses == [200, 200, 429]


def test_a_chain_of_trusted_proxies_is_walked_back_to_the_visitor(world, behind_proxy):
    assert [guess(f"203.0.113.5, {PROXY}") for _ in range(2)] == [200, 200]
    assert guess("203.0.113.5") == 429


def test_the_header_is_not_believed_from_anyone_but_the_proxy(world, behind_proxy):
    """A phone that talks to the app server directly cannot pick its own address."""
    assert [guess(f"203.0.113.{number}", remote="198.51.100.9") for number in range(3)] == [
        200,
        200,
        429,
    ]


@pytest.mark.parametrize("garbled", ["", "not an address", "203.0.113.5, <script>", ",,,"])
def test_a_garbled_header_leaves_the_proxy_address(world, behind_proxy, garbled):
    assert [guess(garbled) for _ in range(2)] == [200, 200]
    assert guess(None) == 429  # the same address: the proxy's own


def test_without_trusted_proxies_the_header_is_ignored(world, settings):
    settings.TRUSTED_PROXIES = []
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 2
    assert [guess(f"203.0.113.{number}") for number in range(3)] == [200, 200, 429]


def test_a_body_that_is_too_large_gets_a_page_that_says_so(world, settings):
    """Django's own limit (nginx has a matching one): a clear page in Dutch, not a reset."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client(raise_request_exception=False).post(
        reverse("pitstops:join"), {"code": "x" * 5000}
    )
    assert response.status_code == 400
    assert "te groot" in response.text
    assert "niets bewaard" in response.text
