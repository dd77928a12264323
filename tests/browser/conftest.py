"""Browser tests drive Debian's Chromium through Playwright (its own browser download fails here).

In CI (CI set to anything truthy) a missing Chromium fails the run; elsewhere the tests are skipped
with a reason that `make test` prints.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import time

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from psycopg2.extras import Json

from coalitions.demo import DEMO_PASSWORD
from tests.conftest import in_ci

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        message = "Chromium is missing: install it with `apt-get install -y chromium`."
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        # Without these, Chromium keeps calling out to hosts this sandbox cannot reach.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-NL"}


@pytest.fixture
def demo(request, transactional_db):
    """The demo expedition.

    Transactional tests empty every table afterwards, the themes shipped by the data migration
    too. The first test of a run seeds the demo through its command; later ones get the same rows
    back as they were (`DemoRows`): seeding through the models took 1.2 s a test on SQLite and
    1.8 s on PostgreSQL, for some seventy browser tests on each. Putting them back replaces every
    table's rows: a fixture that adds rows of its own must come after `demo`.

    Afterwards, before the tables are emptied, the test's browsers close and the live server
    finishes what they asked: a page may still be fetching when the test ends (a service worker
    storing copies after a log-in), and on PostgreSQL its reads and the emptying deadlocked.
    """
    if DEMO_ROWS:
        DEMO_ROWS[0].put_back()
    else:
        shipped = importlib.import_module("coalitions.migrations.0002_default_themes")
        shipped.add_default_themes(django_apps, schema_editor=None)
        call_command("seed_demo", stdout=io.StringIO())
        DEMO_ROWS.append(DemoRows.copy())
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()
    wait_until_no_request_reads_the_database()


# A request the browser left behind ends within this; a live server busier than that is a fault.
IDLE_TIMEOUT_S = 30


def wait_until_no_request_reads_the_database() -> None:
    """Wait until no other connection to the test database is in a query or a transaction.

    PostgreSQL only: on SQLite the emptying simply waits for the file's lock.
    """
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError("the live server still reads the database after the test")
            time.sleep(0.05)  # polling a condition: the other connections' state


class DemoRows:
    """Every table's rows, copied once, and put back in one transaction."""

    def __init__(self, tables: dict[str, tuple[list[str], list[tuple]]]) -> None:
        self.tables = tables

    @classmethod
    def copy(cls) -> DemoRows:
        tables = {}
        with connection.cursor() as cursor:
            for table in connection.introspection.django_table_names(only_existing=True):
                # Table names from Django's own introspection, quoted: no input of anyone's.
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                # Django reads JSON as its text; should it come back as Python objects, they must
                # go in again as JSON, not as an array or a record.
                json_columns = {
                    index
                    for index, column in enumerate(cursor.description)
                    if column[1] in POSTGRES_JSON_TYPES
                }
                rows = [
                    tuple(
                        Json(value)
                        if index in json_columns and not isinstance(value, str | None)
                        else value
                        for index, value in enumerate(row)
                    )
                    for row in cursor.fetchall()
                ]
                tables[table] = ([column[0] for column in cursor.description], rows)
        return cls(tables)

    def put_back(self) -> None:
        quote = connection.ops.quote_name
        # Foreign keys are checked at the commit (Django makes them deferrable on both databases).
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:  # what the flush's post-migrate signal made again
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
            for table, (columns, rows) in self.tables.items():
                if rows:
                    names, marks = ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
                    insert = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
                    cursor.executemany(insert, rows)
            # New rows must not take the ids of those put back (PostgreSQL's sequences).
            for statement in connection.ops.sequence_reset_sql(
                no_style(), django_apps.get_models()
            ):
                cursor.execute(statement)
        # Content types were made again by the flush, under other ids: ask the database again.
        ContentType.objects.clear_cache()


# One copy per test run (per process), as there is one test database.
DEMO_ROWS: list[DemoRows] = []
# PostgreSQL's type codes of json and jsonb.
POSTGRES_JSON_TYPES = {114, 3802}


def log_in(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/inloggen/" not in url)


@pytest.fixture
def new_context(browser):
    """More browsers (phones, a projector); closed after the test, so none keeps polling."""
    contexts = []

    def make(viewport: dict = PHONE):
        context = browser.new_context(viewport=viewport, locale="nl-NL")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


class AsgiServer:
    """The whole app served by uvicorn (ASGI) in a thread of the test process, as
    deploy/streams serves the live screens' streams; pages and streams share its address."""

    def __init__(self) -> None:
        import socket
        import threading

        import uvicorn
        from django.core.asgi import get_asgi_application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(
            get_asgi_application(),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> AsgiServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # a condition, not a pause: usually a few milliseconds
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        from pitstops.push import hub

        # The streams end first (as the screens would see a server leave), then the server.
        hub.call_threadsafe(hub.close_streams)
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()


@pytest.fixture
def asgi_server(transactional_db):
    with AsgiServer() as server:
        yield server
