"""The coordinators' overview at scale, on PostgreSQL: does the page stay fast as the data grows?

Two expeditions in one database, both with 200 coalitions and 6 pitstops: a small one (20
members, 10,000 reflections) and a large one (at `full`: 2,000 members and 1,000,000
reflections, with compass ratings, agreements and small things in proportion; at `small`, to
keep `make bench` quick: a tenth of that). The page shows the same rows for both; only the data
behind them grows. One server, requests to both pages taken in turns, medians compared: the
ratio says how much the page slows down with a hundred (or ten) times the data.

PostgreSQL is required: the database `BENCH_DATABASE_URL` names (default
postgres://postgres@127.0.0.1:5432/pitstop_bench_overview) is dropped and created afresh.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .live import Browser
from .server import HEALTH_PATH, BenchmarkError, log, running_server

if TYPE_CHECKING:
    from .__main__ import Run

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pitstop_bench_overview"
REQUESTS = 15  # per page, taken in turns after a warm-up
VACUUM = "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"


def fresh_database(url: str) -> None:
    """Drop and create the benchmark's own database: nothing of a previous run is measured."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name) or "bench" not in name:
        raise BenchmarkError(f"refusing to recreate database {name!r}: not a benchmark database")
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    except psycopg2.Error as exc:
        raise BenchmarkError(f"cannot create the benchmark database: {exc}") from exc
    finally:
        connection.close()


def timed_get(browser: Browser, path: str) -> float:
    """One GET, read to the end; milliseconds. Anything but a 200 fails the benchmark."""
    began = time.perf_counter()
    status, _headers, _body = browser.request("GET", path)
    elapsed = (time.perf_counter() - began) * 1000
    if status != 200:
        raise BenchmarkError(f"GET {path} answered HTTP {status}")
    return elapsed


def overview_at_scale(run: Run) -> None:
    from .overview_data import COORDINATOR, PASSWORD

    large = "full" if run.scale.name == "full" else "tenth"
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    fresh_database(url)
    build = f"from tests.benchmarks.overview_data import build; build('small', '{large}')"
    # The database is vacuumed and analysed after the load, as autovacuum would soon do: the
    # planner needs the statistics, index-only scans need the visibility map.
    began = time.monotonic()
    with running_server(
        setup=[["shell", "-c", build], ["shell", "-c", VACUUM]],
        environment={"DATABASE_URL": url},
    ) as base_url:
        log(f"overview: data built in {time.monotonic() - began:.0f} s")
        browser = Browser(base_url)
        token = browser.form_token("/inloggen/")
        browser.request(
            "POST",
            "/inloggen/",
            {"csrfmiddlewaretoken": token, "username": COORDINATOR, "password": PASSWORD},
        )
        pages = {
            "small": "/expeditie/bench-small/overzicht/",
            large: f"/expeditie/bench-{large}/overzicht/",
        }
        for path in pages.values():
            for _ in range(3):  # warm-up: connections, template caches, the database's cache
                timed_get(browser, path)
        times: dict[str, list[float]] = {name: [] for name in pages}
        trivial: list[float] = []
        for _ in range(REQUESTS):
            for name, path in pages.items():
                times[name].append(timed_get(browser, path))
            trivial.append(timed_get(browser, HEALTH_PATH))
        export = [
            timed_get(browser, f"/expeditie/bench-{large}/overzicht/overzicht.csv")
            for _ in range(3)
        ]
    medians = {name: statistics.median(values) for name, values in times.items()}
    log(
        "overview: "
        + ", ".join(
            f"{name} min {min(v):.0f} / median {medians[name]:.0f} / max {max(v):.0f} ms"
            for name, v in times.items()
        )
    )
    run.report("overview_trivial_view_ms", statistics.median(trivial), "ms")
    run.report("overview_small_ms", medians["small"], "ms")
    run.report(f"overview_{large}_ms", medians[large], "ms")
    ratio_name = "overview_scale_ratio" if large == "full" else "overview_tenth_ratio"
    run.report(ratio_name, medians[large] / medians["small"], "x", digits=2)
    run.report(f"overview_csv_{large}_ms", statistics.median(export), "ms")
