"""Health and metrics: /gezond/volledig/ asks the database and the cache; /metrics is for the
host's own addresses only."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections
from django.test import Client

from pitstops.models import Session

pytestmark = pytest.mark.django_db

CLOSED_REDIS = {
    "default": {
        "BACKEND": "expeditie.cache.RedisCache",
        # Port 1: nothing listens there, so every call is refused at once.
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_the_full_check_says_ok_when_database_and_cache_answer(client):
    response = client.get("/gezond/volledig/")
    assert (response.status_code, response.content) == (200, b"ok")


def test_the_full_check_names_the_database_when_it_is_down(client, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = client.get("/gezond/volledig/")
    assert response.status_code == 503
    assert response.content.decode() == "database: down\ncache: ok\n"


def test_the_full_check_names_the_cache_when_it_is_down(client, settings):
    settings.CACHES = CLOSED_REDIS
    response = client.get("/gezond/volledig/")
    assert response.status_code == 503
    assert response.content.decode() == "database: ok\ncache: down\n"


def test_the_trivial_health_view_stays_trivial(client, django_assert_num_queries):
    """The benchmarks' baseline (tests/benchmarks, HEALTH_PATH) asks nothing."""
    with django_assert_num_queries(0):
        assert client.get("/gezond/").content == b"ok"


def test_metrics_from_loopback_name_views_sessions_and_the_queue(world):
    Session.objects.filter(pk=world.session.pk).update(status=Session.Status.OPEN)
    Client().get("/gezond/")
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in (
        'pitstop_http_requests_total{method="GET",status="200",view="health"}',
        'pitstop_http_request_duration_seconds_bucket{le="0.005",view="health"}',
        "pitstop_open_sessions 1.0",
        "pitstop_tasks_queued 0.0",
        "pitstop_tasks_oldest_queued_age_seconds 0.0",
    ):
        assert name in text


def test_metrics_are_a_404_for_other_addresses():
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 404


def test_through_the_proxy_metrics_see_the_visitor_not_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    visitor = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.5"})
    assert visitor.get("/metrics").status_code == 404


def test_a_garbled_chain_from_the_proxy_is_no_loopback_visitor(settings):
    """The proxy's own address stays for the limits, but it does not open the metrics."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for chain in ("niet-een-adres", "203.0.113.5, ???", ""):
        garbled = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": chain})
        expected = 200 if chain == "" else 404  # no header at all: a scrape on the host itself
        assert garbled.get("/metrics").status_code == expected, chain


def test_allowed_networks_come_from_the_setting(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/24"]
    assert Client(REMOTE_ADDR="10.0.0.9").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
