"""The synthesis workspace: the round's reflections, filtered, searched and paged."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coalitions.models import Member
from pitstops.models import Participant, Reflection, ResonanceMark
from tests.conftest import in_ci
from tests.factories import (
    PitstopFactory,
    ReflectionFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def workspace(world, pitstop=None, **params) -> str:
    pitstop = pitstop or world.pitstop
    url = reverse(
        "pitstops:workspace",
        kwargs={"expedition": world.expedition.slug, "number": pitstop.number},
    )
    return url


def card(world, text, **kwargs) -> Reflection:
    kwargs.setdefault("coalition", world.coalition)
    kwargs.setdefault("session", world.session)
    return ReflectionFactory(text=text, **kwargs)


def texts(response) -> list[str]:
    return [reflection.text for reflection in response.context["reflections"]]


def test_the_round_holds_session_cards_of_every_coalition_and_recent_space_words(world):
    """Cards of this pitstop's sessions, and coalition-space words since the previous round."""
    world.pitstop.ends_on = datetime.date(2026, 10, 15)
    world.pitstop.save()
    other_session = SessionFactory(pitstop=world.pitstop, coalition=world.other_coalition)
    card(world, "Voorst op de kaart", coalition=world.other_coalition, session=other_session)
    in_round = ReflectionFactory(coalition=world.coalition, text="Tussendoor geschreven")
    in_round.created_at = datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.UTC)
    in_round.save()
    too_late = ReflectionFactory(coalition=world.coalition, text="Na de ronde")
    too_late.created_at = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    too_late.save()
    next_round = SessionFactory(pitstop=world.draft_pitstop, coalition=world.coalition)
    card(world, "Volgende ronde", session=next_round)
    foreign = SessionFactory()
    ReflectionFactory(coalition=foreign.coalition, session=foreign, text="Andere expeditie")

    found = {r.text for r in Reflection.objects.of_round(world.pitstop)}
    assert found == {world.card.text, "Voorst op de kaart", "Tussendoor geschreven"}
    # The next round starts after this one ended: it gets the late space words.
    assert "Na de ronde" in {r.text for r in Reflection.objects.of_round(world.draft_pitstop)}


def test_facilitator_sees_every_visibility_with_its_details_and_never_a_name(client_for, world):
    named = Member.objects.create(
        coalition=world.coalition, name="Bertha Zonnebloem", role="resident"
    )
    card(world, "Alleen voor jullie", visibility="facilitators", author=named)
    card(world, "Zonder naam", visibility="quotable", is_anonymous=True, author_role="professional")
    response = client_for("facilitator").get(workspace(world))
    assert response.status_code == 200
    assert {"Alleen voor jullie", "Zonder naam", world.card.text} <= set(texts(response))
    assert "Bertha" not in response.text
    page = response.text
    assert "Apeldoorn" in page


def test_filters_combine_and_live_in_the_url(client_for, world):
    theme = world.expedition.themes.first()
    other_theme = world.expedition.themes.last()
    wanted = card(world, "Gezocht", theme=theme, kind="success", author_role="resident")
    card(world, "Ander thema", theme=other_theme, kind="success", author_role="resident")
    card(world, "Andere soort", theme=theme, kind="question", author_role="resident")
    card(world, "Andere rol", theme=theme, kind="success", author_role="professional")
    participant = Participant.objects.create(session=world.session, guest_name="Kees")
    ResonanceMark.objects.create(participant=participant, reflection=wanted)
    response = client_for("facilitator").get(
        workspace(world),
        {
            "theme": theme.pk,
            "kind": "success",
            "author_role": "resident",
            "coalition": world.coalition.pk,
            "visibility": "coalition",
            "min_marks": 1,
            "unused": "on",
        },
    )
    assert texts(response) == ["Gezocht"]
    # Used as evidence: "not yet used" leaves it out.
    world.pitstop.red_threads.first().evidence.add(wanted)
    response = client_for("facilitator").get(
        workspace(world), {"theme": theme.pk, "kind": "success", "unused": "on"}
    )
    assert "Gezocht" not in texts(response)


def test_pages_keep_the_filters(client_for, world):
    for number in range(30):
        card(world, f"Kaart {number}", kind="question")
    response = client_for("facilitator").get(workspace(world), {"kind": "question"})
    assert len(response.context["reflections"]) == 25
    assert "kind=question&amp;page=2" in response.text
    response = client_for("facilitator").get(workspace(world), {"kind": "question", "page": 2})
    assert len(response.context["reflections"]) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"min_marks": "veel"},
        {"min_marks": "-3"},
        {"theme": "999999"},
        {"coalition": "abc"},
        {"kind": "<script>"},
        {"q": "x" * 300},
        {"page": "zeven"},
    ],
)
def test_bad_filter_values_get_a_message_never_a_500(client_for, world, params):
    response = client_for("facilitator").get(workspace(world), params)
    assert response.status_code == 200
    if "page" not in params:
        assert response.context["form"].errors
        assert 'class="invalid-feedback' in response.text or "invalid-feedback" in response.text
    assert world.card.text in texts(response)  # the other filters still work


def test_search_finds_words(client_for, world):
    card(world, "De samenwerking met de gemeente loopt goed")
    card(world, "Over iets anders")
    response = client_for("facilitator").get(workspace(world), {"q": "samenwerking"})
    assert texts(response) == ["De samenwerking met de gemeente loopt goed"]


def test_a_snippet_never_carries_the_reflections_own_html(client_for, world):
    card(world, "<img src=x onerror=alert(1)> samenwerking")
    response = client_for("facilitator").get(workspace(world), {"q": "samenwerking"})
    assert "<img src=x" not in response.text  # PostgreSQL drops tags; SQLite escapes them


def requires_postgresql() -> None:
    """Dutch stemming needs PostgreSQL; in CI (CI=true) its absence fails, it never skips."""
    if connection.vendor == "postgresql":
        return
    if in_ci():
        pytest.fail("This test needs PostgreSQL: run it with DATABASE_URL=postgres://...")
    pytest.skip("Dutch text search needs PostgreSQL (set DATABASE_URL)")


@pytest.mark.postgres
def test_dutch_search_finds_other_forms_of_a_word_ranked_with_highlights(client_for, world):
    requires_postgresql()
    card(world, "We willen beter samenwerken met de gemeente")
    card(world, "Samenwerken, samenwerken en nog eens samenwerken")
    card(world, "Een kopje koffie in de buurtkamer")
    response = client_for("facilitator").get(workspace(world), {"q": "samenwerking"})
    found = texts(response)
    assert found == [
        "Samenwerken, samenwerken en nog eens samenwerken",  # ranks higher: more hits
        "We willen beter samenwerken met de gemeente",
    ]
    assert "<mark>samenwerken</mark>" in response.text


@pytest.mark.postgres
def test_the_dutch_search_index_exists_and_matches_the_search_expression(world):
    requires_postgresql()
    from django.contrib.postgres.search import SearchQuery

    from pitstops.synthesis.workspace import search_vector

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'reflection_text_dutch'")
        (definition,) = cursor.fetchone()
        assert "gin" in definition.lower() and "dutch" in definition
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = (
                Reflection.objects.annotate(search=search_vector())
                .filter(search=SearchQuery("buurt", config="dutch", search_type="websearch"))
                .explain()
            )
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "reflection_text_dutch" in plan


def test_the_number_of_queries_does_not_grow_with_the_data(client_for, world):
    client = client_for("facilitator")
    card(world, "De eerste kaart")
    client.get(workspace(world))  # warm up: sessions, content types

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(workspace(world), {"q": "kaart", "min_marks": 0})
            assert response.status_code == 200
        return len(queries)

    few = count()
    participant = Participant.objects.create(session=world.session, guest_name="Kees")
    thread = world.pitstop.red_threads.first()
    other_session = SessionFactory(pitstop=world.pitstop, coalition=world.other_coalition)
    for number in range(40):
        reflection = card(
            world,
            f"kaart {number}",
            coalition=world.other_coalition if number % 2 else world.coalition,
            session=other_session if number % 2 else world.session,
            theme=world.expedition.themes.first(),
        )
        ResonanceMark.objects.create(participant=participant, reflection=reflection)
        if number % 3 == 0:
            thread.evidence.add(reflection)
    assert count() == few


def test_a_facilitator_of_another_expedition_gets_a_404(client, world):
    stranger_pitstop = PitstopFactory()
    other_facilitator = UserFactory(username="elders")
    stranger_pitstop.expedition.facilitators.add(other_facilitator)
    client.force_login(other_facilitator)
    assert client.get(workspace(world)).status_code == 404
    thread = world.pitstop.red_threads.first()
    assert (
        client.get(reverse("pitstops:red_thread_edit", kwargs={"pk": thread.pk})).status_code == 404
    )
    round_kwargs = {"expedition": world.expedition.slug, "number": world.pitstop.number}
    for name in ("publish", "introduction", "red_thread_create"):
        assert client.post(reverse(f"pitstops:{name}", kwargs=round_kwargs)).status_code == 404
    for name in ("evidence", "red_thread_move", "red_thread_delete"):
        url = reverse(f"pitstops:{name}", kwargs={"pk": thread.pk})
        assert client.post(url, {"reflection": world.card.pk, "action": "add"}).status_code == 404
    assert thread.evidence.count() == 1  # only the world's own card: nothing changed
    draft = {"expedition": world.expedition.slug, "number": world.draft_pitstop.number}
    assert client.get(reverse("pitstops:report_pdf", kwargs=draft)).status_code == 404


def test_no_red_threads_is_a_sentence_not_a_numbered_item(client_for, world):
    """Without red threads the workspace says so in a paragraph: no list whose item 1 is
    'No red threads yet.' (a screen reader would announce a list of one)."""
    page = client_for("facilitator").get(workspace(world)).text
    assert '<ol class="list-group list-group-numbered' in page  # the world's own thread
    assert "No red threads yet." not in page

    world.pitstop.red_threads.all().delete()
    page = client_for("facilitator").get(workspace(world)).text
    lists = re.findall(r"<ol\b.*?</ol>", page, flags=re.DOTALL)
    assert not any("No red threads yet." in ordered for ordered in lists)
    assert "red-thread-list" not in page
    assert re.search(r"<p>\s*No red threads yet.\s*</p>", page)
