"""With REDIS_URL, app servers share one cache: what one counts or renders, another sees.

Two "servers" here are two cache connections to the same Redis (as two gunicorn hosts would
have): the join-code limit counted through one is enforced through the other, and the shared
fragment one renders is served by the other. CI runs Redis on this machine; a test that cannot
reach it fails in CI, it does not skip.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import in_ci

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_cache() -> RedisCache:
    return RedisCache(REDIS_URL, {"KEY_PREFIX": "pitstop-tests"})


@pytest.fixture
def shared(settings):
    probe = redis_cache()
    try:
        probe.set("ping", 1, 5)
    except Exception as error:  # the service is missing
        message = f"Redis is not reachable at {REDIS_URL}: {error}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    probe.clear()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pitstop-tests",
        }
    }
    yield probe
    probe.clear()


def test_the_join_code_limit_counts_across_servers(shared, world, settings):
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 3
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(3):
        guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"})
    # Another server, reading the same Redis, sees the count and refuses the next guess.
    assert shared.get("join-attempts:198.51.100.20") == 3
    assert guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code == 429


def test_a_fragment_rendered_by_one_server_is_served_by_another(shared, world):
    from pitstops.views.taking_part import _shared_fragment

    world.session.open()
    version, html = _shared_fragment(world.session.pk, world.session.version)
    keys = list(shared._cache.get_client().keys("*participant-live*"))
    assert keys, "the fragment is in the shared cache"
    # Served from the cache: the same rendering, without rendering again.
    assert _shared_fragment(world.session.pk, world.session.version) == (version, html)


class KeyGoneBeforeIncr(RedisCache):
    """Redis in which the count expires (or is dropped by another server) just after `add`
    saw it: the moment between `cache.add` and `cache.incr` that a busy cluster will hit."""

    def add(self, key, value, timeout=None, version=None):
        added = super().add(key, value, timeout, version)
        if not added:
            self.delete(key, version)
        return added


def test_a_count_that_vanishes_between_add_and_incr_is_no_error(shared, world, settings):
    settings.CACHES["default"]["BACKEND"] = f"{__name__}.KeyGoneBeforeIncr"
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 3
    guesser = Client(REMOTE_ADDR="198.51.100.21", raise_request_exception=False)
    statuses = [guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code]
    statuses += [guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code]
    # The second guess found the key gone and started a new window instead of failing.
    assert statuses == [200, 200]
    assert shared.get("join-attempts:198.51.100.21") == 1


def test_a_delta_rendered_by_one_server_is_served_by_another(shared, world):
    from pitstops import live
    from pitstops.views.taking_part import _shared_delta

    session = world.session
    session.open()
    since = session.version
    participant = live.join(session, guest_name="Kees")
    live.post_card(
        session,
        participant,
        writer_secret="x" * 43,
        text="Gedeeld via Redis",
        kind="observation",
        visibility="coalition",
        is_anonymous=False,
        theme=None,
        client_id=None,
    )
    delta = _shared_delta(session.pk, since, session.version)
    assert "Gedeeld via Redis" in delta
    keys = list(shared._cache.get_client().keys("*participant-delta*"))
    assert keys, "the delta is in the shared cache"
    # Another server finds it there: the same html, without reading the database.
    with CaptureQueriesContext(connection) as queries:
        assert _shared_delta(session.pk, since, session.version) == delta
    assert len(queries) == 0


def test_the_shared_state_never_goes_back_to_an_older_version(shared, world):
    """Two writers commit versions 7 and 8; the one of 7 reaches the cache last. Polls must
    keep seeing 8, or phones would be told "nothing new" about the newest change."""
    from pitstops.models.sessions import live_state_key, remember_live_state

    pk = world.session.pk
    remember_live_state(pk, (8, "reflect", "open"))
    remember_live_state(pk, (7, "reflect", "open"))
    assert tuple(shared.get(live_state_key(pk))) == (8, "reflect", "open")
    remember_live_state(pk, (9, "resonance", "open"))
    assert tuple(shared.get(live_state_key(pk))) == (9, "resonance", "open")


def test_while_one_poll_renders_the_fragment_another_waits_and_renders_nothing(shared, world):
    """After a reveal a whole room polls at once: one poll renders the thousand cards, the
    others wait for its rendering (or answer "no change yet"), never render it too."""
    from pitstops.views import taking_part

    session = world.session
    session.open()
    old_version, _html = taking_part._shared_fragment(session.pk, session.version)
    session.touch()
    key = f"pitstops:participant-live:{session.pk}:nl"
    shared.set(f"{key}:rendering", True, 30)  # another server is rendering the new version
    with CaptureQueriesContext(connection) as queries:
        version, _html = taking_part._shared_fragment(session.pk, session.version)
    assert version == old_version  # it waited in vain: the old one, and no rendering of its own
    assert len(queries) == 0
    # Once the other server stored its rendering, a waiting poll takes it.
    shared.set(key, (session.version, "<p>nieuw</p>", 0), 60)
    assert taking_part._rendered_meanwhile(key, session.version) == (
        session.version,
        "<p>nieuw</p>",
    )


def test_each_process_keeps_the_state_a_quarter_second(shared, world):
    """A room of phones polling one session asks the shared cache a few times a second; a
    change made by another server shows here once this process's copy is older than that."""
    from pitstops.models.sessions import Session, live_state_key, states_here

    pk = world.session.pk
    first = Session.live_state(pk)
    shared.set(live_state_key(pk), (first[0] + 1, first[1], first[2]), 30)  # another server
    assert Session.live_state(pk) == first  # this process's copy, still fresh
    states_here[pk] = (0.0, states_here[pk][1])  # a quarter second later
    assert Session.live_state(pk)[0] == first[0] + 1
