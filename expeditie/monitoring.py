"""The full health check and the Prometheus metrics.

/gezond/ stays the trivial view (coalitions.views.health): a load balancer asks it every few
seconds and every benchmark compares its figures with it (tests/benchmarks, HEALTH_PATH), so a
database query and two cache round trips there would make the baseline itself slower and every
ratio look better than it is. /gezond/volledig/ asks the database and the cache.

Metrics come from prometheus-client, not django-prometheus: django-prometheus puts two
middlewares around every request and counts a dozen series per request (sizes, methods,
transports, exceptions). MetricsMiddleware does one counter and one histogram per request:
about 23 µs with PROMETHEUS_MULTIPROC_DIR set, as under gunicorn (timeit on the 2-core machine;
each value checks the process id, a system call), beside some 400 µs for a phone's 304 poll
inside Django and a millisecond for the whole request. Under gunicorn each worker process
counts on its own; PROMETHEUS_MULTIPROC_DIR (set by deploy/gunicorn.conf.py) lets the worker
that answers /metrics add up all of them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pitstops.models import Session

from .middleware import UNRESOLVED_VISITOR

log = logging.getLogger("pitstop.health")

REQUESTS = Counter(
    "pitstop_http_requests",
    "Requests answered, by view (URL name), method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "pitstop_http_request_duration_seconds",
    "Time from the request reaching Django to its answer, by view (URL name).",
    ["view"],
    # A phone's 304 poll takes a few ms; a report's PDF may take seconds.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@never_cache
@require_safe
@login_not_required
def full_health(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database and the cache answer; 503 naming the part that does not."""
    parts = {"database": _database_works(), "cache": _cache_works()}
    if all(parts.values()):
        return HttpResponse("ok", content_type="text/plain; charset=utf-8")
    body = "".join(f"{name}: {'ok' if works else 'down'}\n" for name, works in parts.items())
    return HttpResponse(body, status=503, content_type="text/plain; charset=utf-8")


def _database_works() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:  # any failure means "down"; the type says why
        log.warning("health: database down (%s)", type(error).__name__)
        return False


def _cache_works() -> bool:
    # A key of its own per check, so two checks at once never read each other's value.
    key, value = f"gezond:{secrets.token_hex(4)}", secrets.token_hex(4)
    try:
        cache.set(key, value, timeout=10)
        return cache.get(key) == value
    except Exception as error:
        log.warning("health: cache down (%s)", type(error).__name__)
        return False


class MetricsMiddleware:
    """Counts and times each request under its view's URL name (never its path: ids in paths
    would make a series per session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "-") if match is not None else "-"
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response


class PitstopCollector(Collector):
    """Read at each scrape from the database: open sessions and the task queue.

    The task worker (django-tasks-db's db_worker) has no heartbeat of its own, and adding one
    would mean replacing its command. The age of the oldest waiting task says the same thing
    where it matters: with a live worker it stays near zero, with a stopped one it grows.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "pitstop_open_sessions",
            "Live sessions open now.",
            value=Session.objects.filter(status=Session.Status.OPEN).count(),
        )
        waiting = DBTaskResult.objects.ready()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        yield GaugeMetricFamily(
            "pitstop_tasks_queued", "Tasks waiting for the worker.", value=waiting.count()
        )
        yield GaugeMetricFamily(
            "pitstop_tasks_oldest_queued_age_seconds",
            "How long the oldest waiting task has waited (0 when none): grows when the worker"
            " is down.",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )


def _allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_IPS
    )


@never_cache
@require_safe
@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for the addresses in METRICS_ALLOWED_IPS; 404 for anyone else.

    The address is the one ForwardedForMiddleware settled on: behind nginx the visitor's, so
    the public cannot reach this through the proxy even though nginx itself is trusted.
    """
    if request.META.get(UNRESOLVED_VISITOR) or not _allowed(request.META.get("REMOTE_ADDR", "")):
        raise Http404
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessMetrics())
    registry.register(PitstopCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _ProcessMetrics(Collector):
    """This process's own series (the default registry), beside the database's figures."""

    def collect(self) -> Iterator:
        yield from REGISTRY.collect()
