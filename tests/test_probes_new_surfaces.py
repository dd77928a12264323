"""Probes of the surfaces added since 8fb0330, in the combinations a test per screen misses.

More like this and the `continues` field for a facilitator of two expeditions, suggestions of
another expedition's round, /metrics behind a spoofed X-Forwarded-For, secrets in the full health
check, a crafted request id on the 500 page, and the admin for kept vectors and suggestions.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import docx
import numpy as np
import pytest
from django.conf import settings
from django.contrib import admin
from django.db import OperationalError, connections
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from coalitions.models import Member
from pitstops.models import (
    RedThread,
    RedThreadSuggestion,
    Reflection,
    ReflectionVector,
    SuggestionRun,
)
from tests.factories import (
    RedThreadFactory,
    RedThreadSuggestionFactory,
    ReflectionFactory,
    SessionFactory,
    SuggestionRunFactory,
)

pytestmark = pytest.mark.django_db

YOUTH = [
    "De jongeren uit de wijk komen niet naar onze activiteiten.",
    "Hoe bereiken we de tieners die bij de voetbalkooi hangen?",
]
# Words that are as close to the red thread as can be: only the rules may keep them out.
CLOSE = "De jongeren uit de wijk komen niet naar de activiteiten van de buurt."


@pytest.fixture
def english(client):
    before = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(before)


@pytest.fixture
def both(world, other_world):
    """world's facilitator facilitates other_world's expedition too."""
    user = world.user("facilitator")
    other_world.expedition.facilitators.add(user)
    return user


def card(place, text: str, **kwargs) -> Reflection:
    kwargs.setdefault("coalition", place.coalition)
    kwargs.setdefault("session", place.session)
    return ReflectionFactory(text=text, **kwargs)


def like_url(thread) -> str:
    return reverse("pitstops:more_like_this", kwargs={"pk": thread.pk})


def youth_thread(place) -> RedThread:
    thread = RedThreadFactory(pitstop=place.pitstop, title="Jongeren doen niet mee", text="")
    thread.evidence.add(*(card(place, text) for text in YOUTH))
    return thread


# --- 1. More like this --------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_a_facilitator_of_both_expeditions_gets_only_this_rounds_unused_words(
    client, world, other_world, both
):
    thread = youth_thread(world)
    fresh = card(world, CLOSE)
    for_the_team = card(world, CLOSE + " Alleen voor jullie.", visibility="facilitators")
    anonymous = card(world, CLOSE + " Anoniem.", is_anonymous=True, author_role="resident")
    foreign = card(other_world, CLOSE)  # the same words, in the other expedition
    later = card(
        world,
        CLOSE,
        session=SessionFactory(pitstop=world.draft_pitstop, coalition=world.coalition),
    )
    # Evidence of another red thread of this round: used already.
    used = card(world, CLOSE + " Al gebruikt.")
    RedThreadFactory(pitstop=world.pitstop, title="Ander").evidence.add(used)
    # B's own red thread, to ask the list the other way round.
    foreign_thread = youth_thread(other_world)

    client.force_login(both)
    response = client.get(like_url(thread))
    assert response.status_code == 200
    ids = {reflection.pk for reflection in response.context["reflections"]}
    assert {fresh.pk, for_the_team.pk, anonymous.pk} <= ids
    for left_out in (foreign, later, used, world.card, *thread.evidence.all()):
        assert left_out.pk not in ids, left_out.text
    expedition_of = set(
        Reflection.objects.filter(pk__in=ids).values_list("coalition__expedition", flat=True)
    )
    assert expedition_of == {world.expedition.pk}
    assert "(anonymous)" in response.text
    for name in Member.objects.filter(coalition=world.coalition).values_list("name", flat=True):
        assert name not in response.text

    # The other way round: B's list holds nothing of A.
    response = client.get(like_url(foreign_thread), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    found = {reflection.pk for reflection in response.context["reflections"]}
    assert foreign.pk in found
    assert not found & {fresh.pk, for_the_team.pk, anonymous.pk, later.pk, used.pk}


def test_a_facilitator_of_a_gets_a_404_for_a_thread_of_b_even_with_htmx(client, world, other_world):
    thread = youth_thread(other_world)
    client.force_login(world.user("facilitator"))
    assert client.get(like_url(thread), HTTP_HX_REQUEST="true").status_code == 404
    assert client.head(like_url(thread)).status_code == 404


@pytest.mark.parametrize("role_in_a", ["coordinator", "resident", "outsider"])
def test_facilitating_b_opens_nothing_of_a_to_a_coordinator_or_member_of_a(
    client, world, other_world, role_in_a
):
    """Mixed roles: who facilitates B but only coordinates (or is a member) in A."""
    user = world.user(role_in_a)
    other_world.expedition.facilitators.add(user)
    mine = youth_thread(world)
    of_a = card(world, CLOSE, visibility="quotable")
    theirs = youth_thread(other_world)
    client.force_login(user)
    assert client.get(like_url(mine)).status_code == 404
    response = client.get(like_url(theirs))
    assert response.status_code == 200
    assert of_a.pk not in {reflection.pk for reflection in response.context["reflections"]}


@pytest.mark.parametrize("role", ["anonymous", "stranger"])
def test_logged_out_and_strangers_never_get_the_list(client_for, world, role):
    thread = youth_thread(world)
    card(world, CLOSE)
    response = client_for(role).get(like_url(thread))
    if role == "anonymous":
        assert response.status_code == 302
        assert urlparse(response["Location"]).path == reverse(settings.LOGIN_URL)
    else:
        assert response.status_code == 404
    assert CLOSE not in response.content.decode()


def test_more_like_this_takes_no_post(client_for, world):
    thread = youth_thread(world)
    assert client_for("facilitator").post(like_url(thread)).status_code == 405


# --- 2. The red thread's `continues` ------------------------------------------------------------


def create_url(pitstop) -> str:
    return reverse(
        "pitstops:red_thread_create",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number},
    )


CHOOSE = "Choose a red thread of an earlier pitstop of this expedition."


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("choice", ["foreign", "-1", "1.5", "0x1", "1e3", ""])
def test_a_facilitator_of_both_cannot_link_a_red_thread_of_the_other_expedition(
    client, world, other_world, both, choice
):
    """Even someone who may read B's red threads cannot make A's report name one of them."""
    foreign = other_world.pitstop.red_threads.get()
    value = str(foreign.pk) if choice == "foreign" else choice
    client.force_login(both)
    before = RedThread.objects.count()
    data = {"title": "Nog steeds samen", "text": "Wat terugkwam.", "status": "draft"}
    response = client.post(create_url(world.draft_pitstop), {**data, "continues": value})
    if choice == "":
        assert response.status_code == 302  # "new in this round"
        assert RedThread.objects.get(title="Nog steeds samen").continues is None
        return
    assert response.status_code == 200
    assert CHOOSE in response.text
    assert RedThread.objects.count() == before


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_an_unpublished_earlier_title_is_nowhere_in_what_coordinators_read(
    client_for, world, status
):
    earlier = world.pitstop.red_threads.get()
    earlier.title = "Geheime werktitel"
    earlier.status = status
    earlier.save()
    RedThreadFactory(
        pitstop=world.draft_pitstop, title="Nog steeds samen", status="published", continues=earlier
    )
    world.draft_pitstop.report_published_at = world.pitstop.report_published_at
    world.draft_pitstop.save()
    client = client_for("coordinator")
    kwargs = {"expedition": world.expedition.slug, "number": world.draft_pitstop.number}
    page = client.get(reverse("pitstops:report", kwargs=kwargs))
    assert page.status_code == 200 and "Nog steeds samen" in page.text
    assert "Geheime werktitel" not in page.text
    word = client.get(reverse("pitstops:report_docx", kwargs=kwargs))
    assert word.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Nog steeds samen" in text and "Geheime werktitel" not in text
    overview = client.get(
        reverse("pitstops:overview", kwargs={"expedition": world.expedition.slug}),
        {"pitstop": world.draft_pitstop.number},
    )
    assert "Nog steeds samen" in overview.text and "Geheime werktitel" not in overview.text
    # Members read the report too: the same rule.
    member = client_for("resident").get(reverse("pitstops:report", kwargs=kwargs))
    assert "Geheime werktitel" not in member.content.decode()


# --- 3. Suggestions -----------------------------------------------------------------------------


def suggestions_url(name: str, pitstop, **extra) -> str:
    return reverse(
        f"pitstops:{name}",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number, **extra},
    )


@pytest.mark.parametrize("name", ["suggestion_accept", "suggestion_dismiss"])
def test_a_suggestion_of_another_expeditions_round_is_a_404_for_a_facilitator_of_both(
    client, world, other_world, both, name
):
    foreign = RedThreadSuggestionFactory(
        run__pitstop=other_world.pitstop, reflections=[other_world.card], title="Elders"
    )
    threads = RedThread.objects.count()
    client.force_login(both)
    for pitstop in (world.pitstop, world.draft_pitstop):
        response = client.post(
            suggestions_url(name, pitstop, pk=foreign.pk), {"title": "Gekaapt"}, HTTP_HX_REQUEST="1"
        )
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.status, foreign.title, foreign.red_thread, foreign.decided_by) == (
        "open",
        "Elders",
        None,
        None,
    )
    assert RedThread.objects.count() == threads


@pytest.mark.parametrize("name", ["suggestion_accept", "suggestion_dismiss"])
def test_a_facilitator_of_a_only_gets_a_404_for_bs_suggestion_on_bs_url(
    client, world, other_world, name
):
    foreign = RedThreadSuggestionFactory(run__pitstop=other_world.pitstop)
    client.force_login(world.user("facilitator"))
    response = client.post(
        suggestions_url(name, other_world.pitstop, pk=foreign.pk), {"title": "x"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "open"


@pytest.mark.parametrize(
    "groups", [["more", "fewer"], ["junk"], ["MORE"], [""], ["__class__"], ["1"], ["x" * 5000]]
)
def test_odd_groups_values_start_a_plain_or_stepped_run_never_a_500(client, world, groups):
    SuggestionRunFactory(pitstop=world.pitstop, granularity=0)
    client.force_login(world.user("facilitator"))
    client.raise_request_exception = True
    response = client.post(suggestions_url("suggestions_start", world.pitstop), {"groups": groups})
    assert response.status_code == 302
    queued = SuggestionRun.objects.get(status="queued")
    # A list posts its last value; anything not exactly "more" or "fewer" is no step.
    assert queued.granularity == (-1 if groups == ["more", "fewer"] else 0)


def test_suggestions_start_for_another_expeditions_round_queues_nothing(client, world, other_world):
    client.force_login(world.user("facilitator"))
    response = client.post(suggestions_url("suggestions_start", other_world.pitstop), {})
    assert response.status_code == 404
    assert not SuggestionRun.objects.exists()


# --- 4. Metrics, the full health check and the request id ---------------------------------------


@pytest.mark.parametrize("trusted", [[], ["127.0.0.1"], ["10.0.0.2"]])
@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "127.0.0.1"},
        {"X-Forwarded-For": "::1"},
        {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"},
        {"X-Real-IP": "127.0.0.1"},
        {"Forwarded": "for=127.0.0.1"},
        {"X-Forwarded-Host": "127.0.0.1", "Host": "127.0.0.1"},
    ],
)
def test_a_spoofed_loopback_from_an_untrusted_address_gets_a_404(settings, trusted, headers):
    settings.TRUSTED_PROXIES = trusted
    headers = dict(headers)
    host = headers.pop("Host", None)
    extra = {"HTTP_HOST": host} if host else {}
    visitor = Client(REMOTE_ADDR="203.0.113.5", headers=headers)
    assert visitor.get("/metrics", **extra).status_code == 404


@pytest.mark.parametrize(
    "forwarded", ["127.0.0.1, 203.0.113.5", "203.0.113.5", "127.0.0.1,203.0.113.5, 127.0.0.1"]
)
def test_through_the_proxy_a_spoofed_loopback_left_of_the_visitor_gets_a_404(settings, forwarded):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    visitor = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": forwarded})
    assert visitor.get("/metrics").status_code == 404


SECRET = "postgres://pitstop:hunter2-geheim@db.internal:5432/pitstop"


def test_the_full_check_says_nothing_of_the_database_errors_text(client, monkeypatch, caplog):
    def refused(*args, **kwargs):
        raise OperationalError(f"could not connect to {SECRET}")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = client.get("/gezond/volledig/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "hunter2" not in body and "db.internal" not in body and "could not" not in body
    assert "hunter2" not in caplog.text
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_full_check_says_nothing_of_the_caches_address(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://:hunter2-geheim@127.0.0.1:1/0",
        }
    }
    response = client.get("/gezond/volledig/")
    assert response.status_code == 503
    assert "hunter2" not in response.content.decode()
    assert "hunter2" not in caplog.text


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_full_check_and_metrics_take_only_safe_methods(method):
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert getattr(local, method)("/gezond/volledig/").status_code == 405
    assert getattr(local, method)("/metrics").status_code in (403, 404, 405)


@pytest.mark.urls("tests.errors_urls")
@pytest.mark.parametrize(
    "incoming",
    [
        '"><script>alert(1)</script>',
        "abcdefgh<b>x</b>",
        "abcdefgh\r\nSet-Cookie: sessionid=x",
        "abcdefgh\n",
        "abcdefgh ijkl",
        "abcdefgh&amp;",
    ],
)
def test_a_crafted_request_id_from_the_proxy_reaches_neither_the_500_page_nor_the_header(
    settings, incoming
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(
        REMOTE_ADDR="127.0.0.1", raise_request_exception=False, HTTP_X_REQUEST_ID=incoming
    )
    response = client.post("/kapot/", {"text": "kaartje"})
    assert response.status_code == 500
    answered = response["X-Request-ID"]
    assert answered != incoming
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", answered)
    page = response.content.decode()
    assert f"<code>{answered}</code>" in page
    for fragment in ("<script>", "<b>x</b>", "Set-Cookie", "sessionid", "ijkl", "&amp;amp;"):
        assert fragment not in page
    assert "Set-Cookie" not in str(response.headers.get("X-Request-ID"))
    assert "sessionid" not in response.cookies


# --- 5. The admin: kept vectors and suggestions -------------------------------------------------


def test_kept_vectors_and_suggestions_have_no_admin_pages(admin_client):
    for model in (ReflectionVector, RedThreadSuggestion, SuggestionRun):
        assert not admin.site.is_registered(model), model
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:pitstops_{model._meta.model_name}_changelist")
        url = f"{reverse('admin:index')}pitstops/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 404
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:pitstops_reflection_changelist") in index  # the index is read
    for model in (ReflectionVector, RedThreadSuggestion, SuggestionRun):
        assert f"pitstops/{model._meta.model_name}/" not in index


def test_admin_pages_that_reach_vectors_or_suggestions_name_no_anonymous_author(
    admin_client, world
):
    """A reflection's delete page lists what goes with it (its vector, the suggestions it is in);
    a red thread's page lists its evidence: no name of anonymous words's writer anywhere."""
    writer = Member.objects.create(coalition=world.coalition, name="Bertha Zonnebloem")
    anonymous = ReflectionFactory(
        coalition=world.coalition,
        session=world.session,
        text="Niemand mag weten wie dit schreef.",
        author=writer,
        is_anonymous=True,
    )
    assert anonymous.author is None
    ReflectionVector.objects.create(
        reflection=anonymous, digest="0" * 64, vector=np.zeros(4, dtype=np.float32).tobytes()
    )
    suggestion = RedThreadSuggestionFactory(run__pitstop=world.pitstop, reflections=[anonymous])
    thread = RedThreadFactory(pitstop=world.pitstop, title="Met anoniem bewijs")
    thread.evidence.add(anonymous)
    suggestion.red_thread = thread
    suggestion.save()

    pages = [
        reverse("admin:pitstops_reflection_delete", args=[anonymous.pk]),
        reverse("admin:pitstops_reflection_change", args=[anonymous.pk]),
        reverse("admin:pitstops_reflection_changelist") + "?q=Niemand",
        reverse("admin:pitstops_redthread_change", args=[thread.pk]),
        reverse("admin:pitstops_redthread_delete", args=[thread.pk]),
    ]
    member_delete = reverse("admin:coalitions_member_delete", args=[writer.pk])
    for url in [*pages, member_delete]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        if url == member_delete:
            # Deleting the writer would not take the anonymous words: they hold no link.
            assert "Niemand mag weten" not in text, url
        else:
            assert "Bertha" not in text and "Zonnebloem" not in text, url


def test_autocomplete_for_evidence_names_nobody(admin_client, world):
    writer = Member.objects.create(coalition=world.coalition, name="Bertha Zonnebloem")
    ReflectionFactory(
        coalition=world.coalition,
        session=world.session,
        text="Zoekbaar anoniem kaartje",
        author=writer,
        is_anonymous=True,
    )
    ReflectionFactory(
        coalition=world.coalition, session=world.session, text="Zoekbaar genoemd", author=writer
    )
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Zoekbaar",
            "app_label": "pitstops",
            "model_name": "redthread",
            "field_name": "evidence",
        },
    )
    assert response.status_code == 200
    assert "Zoekbaar anoniem" in response.text
    assert "Bertha" not in response.text
