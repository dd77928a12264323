"""Personas and a small expedition that every test can stand on."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

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
def world(db) -> World:
    return build_world()


@pytest.fixture
def other_world(world) -> World:
    """A second expedition, with its own coalitions, sessions, cards, agreements and people: the
    users of `world` must reach none of it."""
    return build_world(prefix="andere-")


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
