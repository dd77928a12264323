"""More like this: the round's unused reflections closest to a red thread, one tap to add.

The real sentence encoder runs here (a few short texts): the ranking is what is tested.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coalitions.models import Member
from pitstops.models import Reflection
from pitstops.synthesis.likeness import more_like_this
from tests.factories import RedThreadFactory, ReflectionFactory, SessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YOUTH = [
    "De jongeren uit de wijk komen niet naar onze activiteiten.",
    "Hoe bereiken we de tieners die bij de voetbalkooi hangen?",
    "De jongerenwerker kent de jongens van het schoolplein goed.",
]
MONEY = [
    "De subsidie van de gemeente is op, de koffie betalen we zelf.",
    "De penningmeester wil elk bonnetje zien voor de declaratie.",
    "Het budget voor volgend jaar is nog niet toegekend door de gemeente.",
]


def card(world, text: str, **kwargs) -> Reflection:
    kwargs.setdefault("coalition", world.coalition)
    kwargs.setdefault("session", world.session)
    return ReflectionFactory(text=text, **kwargs)


def like_url(thread, **params) -> str:
    url = reverse("pitstops:more_like_this", kwargs={"pk": thread.pk})
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def listed(response) -> list[str]:
    return [reflection.text for reflection in response.context["reflections"]]


@pytest.fixture
def youth_thread(world):
    """A draft red thread about young people, with two youth reflections as its evidence."""
    thread = RedThreadFactory(
        pitstop=world.pitstop, title="Jongeren doen niet mee", text="Wat we horen."
    )
    thread.evidence.add(card(world, YOUTH[0]), card(world, YOUTH[1]))
    return thread


def test_a_related_reflection_ranks_above_unrelated_ones(client_for, world, youth_thread):
    related = card(world, YOUTH[2])
    for text in MONEY:
        card(world, text)
    response = client_for("facilitator").get(like_url(youth_thread))
    assert response.status_code == 200
    found = listed(response)
    assert found[0] == related.text
    assert all(reflection.closeness > 0 for reflection in response.context["reflections"])
    assert "Add as evidence" in response.text


def test_without_evidence_the_title_and_text_are_the_seeds(world):
    thread = RedThreadFactory(
        pitstop=world.pitstop,
        title="Geld en subsidie",
        text="Coalities puzzelen met het budget en de declaraties bij de gemeente.",
    )
    for text in YOUTH:
        card(world, text)
    money = [card(world, text) for text in MONEY]
    found = more_like_this(thread=thread, user=world.user("facilitator")).reflections
    assert found, "the title and text alone find reflections"
    assert found[0].pk in {reflection.pk for reflection in money}


def test_a_thread_without_evidence_or_words_finds_nothing(world):
    thread = RedThreadFactory(pitstop=world.pitstop, title=" ", text="")
    card(world, YOUTH[0])
    assert more_like_this(thread=thread, user=world.user("facilitator")).reflections == []


def test_used_foreign_unreadable_and_empty_reflections_stay_out(
    client_for, world, other_world, youth_thread
):
    # world.card is evidence of the round's published red thread: already used.
    fresh = card(world, YOUTH[2])
    empty = card(world, "", photo="kaartjes/flap.jpg")  # a flip-chart photo, no words
    foreign = card(
        other_world,
        "Jongeren in de andere expeditie",
        coalition=other_world.coalition,
        session=other_world.session,
    )
    later_round = SessionFactory(pitstop=world.draft_pitstop, coalition=world.coalition)
    next_round = card(world, "De tieners van volgende ronde", session=later_round)
    for_the_team = card(world, "Jongeren, alleen voor jullie", visibility="facilitators")

    # A superuser reads everything: what stays out, stays out by the round and its use.
    response = client_for("superuser").get(like_url(youth_thread))
    ids = {reflection.pk for reflection in response.context["reflections"]}
    assert fresh.pk in ids and for_the_team.pk in ids
    for left_out in (world.card, empty, foreign, next_round, *youth_thread.evidence.all()):
        assert left_out.pk not in ids
    # Someone who may not read the team's words never gets them offered.
    coordinator = more_like_this(thread=youth_thread, user=world.user("coordinator")).reflections
    assert for_the_team.pk not in {reflection.pk for reflection in coordinator}


def test_anonymous_words_never_show_a_name(client_for, world, youth_thread):
    author = Member.objects.create(coalition=world.coalition, name="Bertha Zonnebloem")
    card(world, YOUTH[2], is_anonymous=True, author_role="resident")
    card(world, "De jongeren hebben geen plek in de wijk.", author=author)
    response = client_for("facilitator").get(like_url(youth_thread), HTTP_HX_REQUEST="true")
    assert YOUTH[2] in response.text and "geen plek" in response.text
    assert "(anonymous)" in response.text
    assert "Bertha" not in response.text
    assert "Apeldoorn" in response.text  # the coalition, as the workspace shows it


def test_add_as_evidence_from_the_list_and_the_list_moves_on(client_for, world, youth_thread):
    related = card(world, YOUTH[2])
    card(world, MONEY[0])
    client = client_for("facilitator")
    thread_page = reverse("pitstops:red_thread_edit", kwargs={"pk": youth_thread.pk})

    # On the red thread's page the list is loaded by htmx; a tap posts and reloads the page.
    fragment = client.get(like_url(youth_thread, next=thread_page), HTTP_HX_REQUEST="true")
    form = re.search(
        rf'<form method="post" action="([^"]+)"[^>]*>.*?value="{related.pk}">'
        r'\s*<input type="hidden" name="next" value="([^"]+)">',
        fragment.text,
        re.S,
    )
    assert form, fragment.text
    action, after = form.groups()
    assert after == f"{thread_page}#more-like-this"
    response = client.post(action, {"reflection": related.pk, "action": "add", "next": after})
    assert response.status_code == 302
    assert response["Location"] == after
    assert youth_thread.evidence.filter(pk=related.pk).exists()
    page = client.get(thread_page)
    assert related.text in page.text
    assert related.text not in listed(client.get(like_url(youth_thread)))


def test_in_the_workspace_a_tap_swaps_the_button_and_reloads_the_list(
    client_for, world, youth_thread
):
    related = card(world, YOUTH[2])
    client = client_for("facilitator")
    workspace = reverse(
        "pitstops:workspace",
        kwargs={"expedition": world.expedition.slug, "number": world.pitstop.number},
    )
    page = client.get(workspace)
    assert like_url(youth_thread) in page.text  # the <details> per red thread, and its link

    fragment = client.get(like_url(youth_thread, next=workspace), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="evidence-changed from:body"' in fragment.text
    assert f'hx-post="{reverse("pitstops:evidence", kwargs={"pk": youth_thread.pk})}"' in (
        fragment.text
    )
    # The button names the words it adds, for a screen reader going from button to button.
    assert re.search(
        r"Add as evidence<span class=\"visually-hidden\">: De jongerenwerker", (fragment.text)
    )
    response = client.post(
        reverse("pitstops:evidence", kwargs={"pk": youth_thread.pk}),
        {"reflection": related.pk, "action": "add", "next": workspace},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == "evidence-changed"
    assert youth_thread.evidence.filter(pk=related.pk).exists()


def test_without_javascript_the_list_is_a_page_that_a_tap_comes_back_to(
    client_for, world, youth_thread
):
    related = card(world, YOUTH[2])
    client = client_for("facilitator")
    page = client.get(like_url(youth_thread))
    assert page.status_code == 200
    assert "<html" in page.text and related.text in page.text
    response = client.post(
        reverse("pitstops:evidence", kwargs={"pk": youth_thread.pk}),
        {"reflection": related.pk, "action": "add", "next": like_url(youth_thread)},
        follow=True,
    )
    assert related.text not in listed(response)
    assert "Added to" in response.text


@pytest.mark.parametrize("role", ["coordinator", "resident", "professional", "outsider"])
def test_only_the_facilitation_team_gets_the_list(client_for, world, youth_thread, role):
    card(world, YOUTH[2])
    response = client_for(role).get(like_url(youth_thread))
    assert response.status_code == 404


def test_another_expeditions_facilitator_gets_a_404(client, world, other_world, youth_thread):
    client.force_login(other_world.user("facilitator"))
    assert client.get(like_url(youth_thread)).status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_round(client_for, world, youth_thread):
    client = client_for("facilitator")
    url = like_url(youth_thread)

    def queries_with(count: int) -> int:
        while Reflection.objects.of_round(world.pitstop).count() < count:
            card(world, f"{YOUTH[2]} ({Reflection.objects.count()})")
        client.get(url, HTTP_HX_REQUEST="true")  # encodes and keeps the new vectors
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return len(queries)

    small = queries_with(10)
    assert queries_with(100) == small


def test_a_round_without_kept_vectors_ranks_what_it_has_and_a_task_keeps_the_rest(
    client_for, world, youth_thread, monkeypatch, django_capture_on_commit_callbacks
):
    from pitstops.models import ReflectionVector
    from pitstops.synthesis import likeness

    monkeypatch.setattr(likeness, "ENCODE_INLINE", 3)
    fresh = [card(world, YOUTH[2])] + [card(world, text) for text in MONEY]
    fresh += [card(world, f"{YOUTH[0]} Nog een ({number})") for number in range(3)]
    ReflectionVector.objects.all().delete()
    client = client_for("facilitator")

    # The evidence (2) is encoded first, then 1 more: 6 of the 7 unused ones wait for the task.
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(like_url(youth_thread), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["preparing"] == 6
    assert "6 reflections of this round are still being prepared" in response.text
    assert "load delay:20s" in response.text  # the list loads itself again
    assert len(listed(response)) <= 1
    assert len(queued) == 1
    # A second look while the task waits queues nothing new.
    with django_capture_on_commit_callbacks() as again:
        client.get(like_url(youth_thread), HTTP_HX_REQUEST="true")
    assert again == []

    queued[0]()  # the worker runs it (tests run tasks at once)
    kept = set(ReflectionVector.objects.values_list("reflection_id", flat=True))
    assert {reflection.pk for reflection in fresh} <= kept
    response = client.get(like_url(youth_thread), HTTP_HX_REQUEST="true")
    assert response.context["preparing"] == 0
    assert "still being prepared" not in response.text
    assert len(listed(response)) > 1 and YOUTH[2] in listed(response)


def test_one_reflection_still_waiting_is_said_in_the_singular(
    client_for, world, youth_thread, monkeypatch
):
    from pitstops.models import ReflectionVector
    from pitstops.synthesis import likeness

    monkeypatch.setattr(likeness, "ENCODE_INLINE", 3)
    card(world, YOUTH[2])
    card(world, MONEY[0])
    ReflectionVector.objects.all().delete()
    response = client_for("facilitator").get(like_url(youth_thread))
    assert "1 reflection of this round is still being prepared. It shows here" in response.text
