"""Personas and a small expedition that every test can stand on."""

from __future__ import annotations

import copy
import importlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from pytest_django.fixtures import validate_django_db

from coalitions.models import Member

from .factories import (
    AgreementFactory,
    CoalitionFactory,
    ExpeditionFactory,
    MemberFactory,
    PitstopFactory,
    RedThreadFactory,
    ReflectionFactory,
    SessionFactory,
    UserFactory,
)


def in_ci() -> bool:
    """Any truthy CI variable ("true", "1", "yes"...): then a missing service fails a test."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


ROLES = [
    "anonymous",
    "stranger",
    "resident",
    "professional",
    "outsider",
    "facilitator",
    "coordinator",
    "superuser",
]


@dataclass
class World:
    """An expedition with two coalitions and one user for every role."""

    expedition: object
    coalition: object
    other_coalition: object
    pitstop: object
    draft_pitstop: object
    session: object
    card: object
    agreement: object
    users: dict
    resident: Member
    professional: Member
    outsider: Member

    def user(self, role: str):
        return self.users.get(role)


def build_world(prefix: str = "") -> World:
    """One expedition with two coalitions, a published and a draft pitstop, a session with a
    card, an agreement, and a user for every role (user names start with `prefix`)."""
    expedition = ExpeditionFactory(slug=f"{prefix}expeditie")
    expedition.adopt_default_themes()
    coalition = CoalitionFactory(expedition=expedition, slug=f"{prefix}apeldoorn", name="Apeldoorn")
    other = CoalitionFactory(expedition=expedition, slug=f"{prefix}voorst", name="Voorst")
    users = {
        role: UserFactory(
            username=f"{prefix}{role}",
            is_superuser=role == "superuser",
            is_staff=role == "superuser",
        )
        for role in ROLES
        if role != "anonymous"
    }
    resident = MemberFactory(coalition=coalition, user=users["resident"], name="Ans")
    professional = MemberFactory(
        coalition=coalition,
        user=users["professional"],
        name="Youssef",
        role=Member.Role.PROFESSIONAL,
    )
    outsider = MemberFactory(coalition=other, user=users["outsider"], name="Gert")
    expedition.facilitators.add(users["facilitator"])
    expedition.coordinators.add(users["coordinator"])
    pitstop = PitstopFactory(expedition=expedition, number=1, report_published_at=timezone.now())
    draft_pitstop = PitstopFactory(expedition=expedition, number=2)
    session = SessionFactory(pitstop=pitstop, coalition=coalition)
    session.facilitators.add(users["facilitator"])
    session.themes.add(*expedition.themes.all())
    card = ReflectionFactory(coalition=coalition, session=session, visibility="quotable")
    thread = RedThreadFactory(pitstop=pitstop, status="published")
    thread.evidence.add(card)
    return World(
        expedition=expedition,
        coalition=coalition,
        other_coalition=other,
        pitstop=pitstop,
        draft_pitstop=draft_pitstop,
        session=session,
        card=card,
        agreement=AgreementFactory(coalition=coalition, lead=resident),
        users=users,
        resident=resident,
        professional=professional,
        outsider=outsider,
    )


@pytest.fixture
def world(_shared_rows, db) -> World:
    return _shared_rows.copy_of("world")


@pytest.fixture
def other_world(world, _shared_rows) -> World:
    """A second expedition, with its own coalitions, sessions, cards, agreements and people: the
    users of `world` must reach none of it."""
    return _shared_rows.copy_of("other_world")


@pytest.fixture
def demo_rows(_shared_rows, db) -> None:
    """The demo expedition (seed_demo), in the test's own transaction."""
    _shared_rows.copy_of("demo_rows")


def seed_demo() -> None:
    call_command("seed_demo", stdout=io.StringIO())


# The fixtures whose rows consecutive tests share (SharedRows), with what builds them, in the
# order they are built (other_world stands beside world).
SHARED_BUILDERS: dict[str, Callable[[], object]] = {
    "world": build_world,
    "other_world": lambda: build_world(prefix="andere-"),
    "demo_rows": seed_demo,
}


class SharedRows:
    """Rows that a run of consecutive tests asking for the same fixtures share, built once.

    Building the world for each of some 2,000 tests was a large part of the suite's time. Django's
    own answer is TestCase.setUpTestData: the rows are built in a transaction of their own, each
    test runs in a savepoint inside it that is rolled back, and each test gets its own copy of the
    objects. This is the same for pytest: the transaction opens before the test's (from
    pytest_runtest_setup, so before any fixture), and it is rolled back as soon as a test wants
    anything else (other fixtures, no database, a transactional test), so every test still starts
    from exactly the rows it asked for. Building leaves nothing outside the database (no cache
    entries, no files, no e-mail), so a test cannot tell shared rows from rows built for it
    alone; a test with a fixture of its own that could change the building (shared_names) builds
    its own rows, as before.
    """

    def __init__(self, blocker) -> None:
        self.blocker = blocker
        self.names: tuple[str, ...] = ()
        self.built: dict[str, object] = {}
        self.atomic: transaction.Atomic | None = None

    def prepare(self, item: pytest.Item) -> None:
        """Before the test's fixtures: keep the shared rows if the test wants the same ones,
        otherwise roll them back and build what the test wants."""
        wanted = shared_names(item)
        if wanted and wanted == self.names and self.holds_the_transaction():
            return
        self.roll_back()
        if not wanted:
            return
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            # Like TestCase's own: a durable block inside it is allowed, as inside a test.
            self.atomic._from_testcase = True
            self.atomic.__enter__()
            try:
                # As _shipped_themes would have done before the building, in a test of its own.
                put_back_shipped_themes()
                for name in wanted:
                    self.built[name] = SHARED_BUILDERS[name]()
            except BaseException:
                self.roll_back()
                raise
        self.names = wanted

    def holds_the_transaction(self) -> bool:
        """The shared transaction is still the connection's outermost one (no test closed it)."""
        blocks = connection.atomic_blocks
        return (
            self.atomic is not None
            and bool(blocks)
            and blocks[0] is self.atomic
            and not connection.closed_in_transaction
        )

    def copy_of(self, name: str) -> object:
        """The test's own copy of what was built (objects it may change freely); built on the
        spot if this test does not share (a transactional test, a fixture asked for late)."""
        if name in self.names and self.holds_the_transaction():
            return copy.deepcopy(self.built[name])
        return SHARED_BUILDERS[name]()

    def roll_back(self) -> None:
        atomic, self.atomic, self.names, self.built = self.atomic, None, (), {}
        if atomic is None:
            return
        if not connection.atomic_blocks or connection.atomic_blocks[-1] is not atomic:
            raise RuntimeError("A test left a transaction open inside the shared rows' one.")
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def shared_names(item: pytest.Item) -> tuple[str, ...]:
    """The shared fixtures a test asks for (as SHARED_BUILDERS orders them), or none when the
    test must build its own: its rows must be committed (transactional tests, the live server),
    or one of its own fixtures may run before the rows are built and change how they are (a
    patched on_commit, a fake Sentry, a setting)."""
    names = getattr(item, "fixturenames", ())
    if TRANSACTIONAL_FIXTURES.intersection(names):
        return ()
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transactional, reset_sequences, _, serialized_rollback, _ = validate_django_db(marker)
        if transactional or reset_sequences or serialized_rollback:
            return ()
    definitions = item._fixtureinfo.name2fixturedefs
    wanted = tuple(
        name
        for name in SHARED_BUILDERS
        if name in names and definitions[name][-1].func.__module__ == __name__
    )
    if not wanted:
        return ()

    def uses_shared(name: str, seen: set[str]) -> bool:
        if name in wanted:
            return True
        seen.add(name)
        argnames = definitions[name][-1].argnames if name in definitions else ()
        return any(arg not in seen and uses_shared(arg, seen) for arg in argnames)

    for name in names:
        if name not in definitions or uses_shared(name, set()):
            continue  # a parameter, or set up only after the rows it needs
        function = definitions[name][-1].func
        where = f"{function.__module__}:{name}"
        if function.__module__.split(".")[0] == "tests" and where not in HARMLESS_BEFORE_BUILD:
            return ()
    return wanted


# The project's fixtures that may run before the shared rows are built without changing them.
HARMLESS_BEFORE_BUILD = {
    "tests.conftest:_shared_rows",
    "tests.conftest:_empty_cache",
    "tests.conftest:_shipped_themes",  # done first by SharedRows.prepare too
    # A language cookie on the test client.
    "tests.coalitions.conftest:english",
    "tests.pitstops.conftest:english",
    "tests.test_probes_new_surfaces:english",
}
TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}
SHARED_ROWS = pytest.StashKey[SharedRows]()


@pytest.fixture(scope="session")
def _shared_rows(request, django_db_setup, django_db_blocker):
    """Session-scoped, so pytest sets it up before any test's own fixtures; from then on
    pytest_runtest_setup prepares the rows of each test before its fixtures."""
    rows = SharedRows(django_db_blocker)
    rows.prepare(request.config.stash[CURRENT_ITEM])
    request.config.stash[SHARED_ROWS] = rows
    yield rows
    del request.config.stash[SHARED_ROWS]
    rows.roll_back()


CURRENT_ITEM = pytest.StashKey[pytest.Item]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    item.config.stash[CURRENT_ITEM] = item
    if (rows := item.config.stash.get(SHARED_ROWS, None)) is not None:
        rows.prepare(item)
    return (yield)


@pytest.fixture
def client_for(client, world):
    """A test client logged in as the given role ('anonymous' stays logged out)."""

    def make(role: str):
        if role != "anonymous":
            client.force_login(world.user(role))
        return client

    return make


def pytest_collection_modifyitems(config, items):
    """Tests marked `scaleout` (nginx in front of two app servers, tests/test_scaleout.py) run
    only when asked, with `-m scaleout`: `.ci/run` gives them a step of their own, and `make
    test` stays as it was."""
    if "scaleout" in (config.option.markexpr or ""):
        return  # -m decides
    left_out = [item for item in items if item.get_closest_marker("scaleout")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("scaleout")]
        config.stash[SCALEOUT_LEFT_OUT] = len(left_out)


SCALEOUT_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    if left_out := config.stash.get(SCALEOUT_LEFT_OUT, 0):
        terminalreporter.write_line(
            f"{left_out} scale-out tests left out (nginx, two app servers): pytest -m scaleout"
        )


@pytest.fixture(autouse=True)
def _shipped_themes(request):
    """The five discoveries the data migration ships, for every test with a database.

    A transactional test (the browser's) empties every table when it ends, those themes too;
    a test that runs after it would find no themes, so they are put back where missing.
    """
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if marker is None and "db" not in names and "transactional_db" not in names:
        return
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction", False))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    put_back_shipped_themes()


def put_back_shipped_themes() -> None:
    from coalitions.models import Theme

    if not Theme.objects.filter(expedition=None).exists():
        shipped = importlib.import_module("coalitions.migrations.0002_default_themes")
        shipped.add_default_themes(django_apps, schema_editor=None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and sessions' live states live in the cache; each test starts with none."""
    from django.core.cache import cache

    from pitstops.models.sessions import states_here

    cache.clear()
    states_here.clear()


def pytest_unconfigure(config):
    """Remove the SQLite test database file and its WAL companions after the run."""
    from pathlib import Path

    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
