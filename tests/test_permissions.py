"""The permission matrix: every URL in the URL conf, requested as every role.

Each app lists its URLs, with what each role should get, in tests/<app>/cases.py; a URL missing
from the matrix fails the test.
Outsiders get 404 (not 403) so that nothing reveals that an object exists.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coalitions.rules import coalition_id_of, expedition_id_of
from tests.coalitions import cases as coalition_cases
from tests.conftest import ROLES
from tests.matrix import ALL, LOGIN, expect, logged_in
from tests.pitstops import cases as pitstop_cases

CASES = [
    ("home", lambda w: {}, logged_in(200)),
    ("health", lambda w: {}, ALL),
    ("full_health", lambda w: {}, ALL),
    # By address, not by role: the test client comes from 127.0.0.1 (tests/test_monitoring.py).
    ("metrics", lambda w: {}, ALL),
    ("login", lambda w: {}, expect(302, anonymous=200)),
    ("logout", lambda w: {}, expect(405, anonymous=LOGIN)),
    ("password_change", lambda w: {}, logged_in(200)),
    ("password_change_done", lambda w: {}, logged_in(200)),
    ("set_language", lambda w: {}, expect(302)),
    # Installable and offline-first: the same for everyone (tests/test_offline.py).
    ("manifest", lambda w: {}, ALL),
    ("service_worker", lambda w: {}, ALL),
    ("offline", lambda w: {}, ALL),
    *coalition_cases.CASES,
    *pitstop_cases.CASES,
]


def url_names(patterns=None, namespace: str = "") -> set[str]:
    """Every named URL outside the admin, as 'namespace:name'."""
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin has its own matrix in test_admin.py
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix():
    assert url_names() == {name for name, _, _ in CASES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    CASES,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(CASES)],
)
def test_permission_matrix(client_for, world, role, name, kwargs, expected, caplog):
    url = reverse(name, kwargs=kwargs(world))
    response = client_for(role).get(url)
    check(response, url, role, expected[role], caplog)


def check(response, url: str, role: str, wanted, caplog) -> None:
    """The status the matrix expects; a refusal (404 to someone logged in) is logged."""
    if wanted == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
        return
    assert response.status_code == wanted, f"{role} on {url}"
    if wanted == 404 and role != "anonymous":
        refusals = [record for record in caplog.records if record.name == "pitstop.security"]
        assert refusals, f"the refusal of {role} on {url} is not logged"


def across(expected: dict[str, int | str]) -> dict[str, int | str]:
    """What each role gets for a URL with another expedition's objects in it.

    A URL that answers everyone alike (the join pages, say) is not about who you are. Otherwise
    only the superuser keeps access; anonymous visitors still go to log in, a GET on a POST-only
    URL is still 405, and everyone else gets 404.
    """
    if len(set(expected.values())) == 1:
        return expected
    return {
        role: value if role in ("anonymous", "superuser") or value == 405 else 404
        for role, value in expected.items()
    }


# The URLs with an object (a slug or an id) in them: their kwargs read the World.
OBJECT_CASES = [case for case in CASES if case[1].__code__.co_names]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    OBJECT_CASES,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(OBJECT_CASES)],
)
def test_nobody_reaches_another_expeditions_objects(
    client_for, world, other_world, role, name, kwargs, expected, caplog
):
    """The same matrix, with the ids and slugs of a second expedition: a facilitator,
    coordinator or member of the first reaches none of it."""
    others = kwargs(other_world)
    assert others != kwargs(world)
    url = reverse(name, kwargs=others)
    response = client_for(role).get(url)
    check(response, url, role, across(expected)[role], caplog)


def test_objects_lead_to_their_expedition_and_coalition(world):
    assert expedition_id_of(world.session) == world.expedition.pk
    assert expedition_id_of(world.resident) == world.expedition.pk
    assert coalition_id_of(world.session) == world.coalition.pk
    assert coalition_id_of(world.coalition) == world.coalition.pk


def test_refusals_are_logged(client_for, world, caplog):
    client_for("outsider").get(world.coalition.get_absolute_url())
    assert "denied coalitions.view_coalition" in caplog.text


def test_residents_and_professionals_have_the_same_rights(world):
    """No permission distinguishes the two roles inside a coalition."""
    resident, professional = world.user("resident"), world.user("professional")
    for perm, obj in [
        ("coalitions.view_coalition", world.coalition),
        ("coalitions.view_expedition", world.expedition),
        ("pitstops.view_report", world.pitstop),
        ("pitstops.view_report", world.draft_pitstop),
        ("pitstops.view_drafts", world.pitstop),
    ]:
        assert resident.has_perm(perm, obj) == professional.has_perm(perm, obj), perm
