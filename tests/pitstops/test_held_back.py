"""Held back means held back: a card the facilitator held back reaches no member's page, and no
coordinator's or report reader's either, until the facilitator releases it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pitstops.models import RedThread, Reflection

from .live_helpers import control, join, post_card

pytestmark = pytest.mark.django_db

HURTFUL = "Die ene beroepskracht luistert nooit"
KIND = "We hebben samen soep gekookt"


@pytest.fixture
def held_back(world):
    """A closed session: one card held back before the reveal, one shown; both quotable, named,
    and used as evidence in the published red thread."""
    facilitator = Client()
    facilitator.force_login(world.user("facilitator"))
    session = world.session
    control(facilitator, session, "open")
    control(facilitator, session, "go_to", phase="reflect")
    session.refresh_from_db()
    phone = Client()
    join(phone, session, member=world.resident)
    for text in (HURTFUL, KIND):
        post_card(phone, session, text, visibility="quotable", theme=session.current_theme_id)
    card = Reflection.objects.get(text=HURTFUL)
    url = reverse("pitstops:card_action", args=[session.pk, card.pk])
    assert facilitator.post(url, {"action": "hold_back"}).status_code == 302
    control(facilitator, session, "reveal")
    control(facilitator, session, "close")
    RedThread.objects.get(pitstop=world.pitstop).evidence.add(
        *Reflection.objects.filter(text__in=[HURTFUL, KIND])
    )
    return facilitator, card


def pages(world) -> list[str]:
    """Every page a member or coordinator can reach that lists reflections."""
    space = {"expedition": world.expedition.slug, "slug": world.coalition.slug}
    return [
        reverse("coalitions:coalition", kwargs=space),
        reverse("coalitions:reflections", kwargs=space),
        reverse("pitstops:session_summary", args=[world.session.pk]),
        reverse("pitstops:report", args=[world.expedition.slug, world.pitstop.number]),
        reverse("coalitions:expedition", args=[world.expedition.slug]),
        reverse("home"),
    ]


@pytest.mark.parametrize("role", ["resident", "professional", "coordinator"])
def test_a_held_back_card_reaches_no_members_or_coordinators_page(held_back, world, role):
    client = Client()
    client.force_login(world.user(role))
    shown_somewhere = False
    for url in pages(world):
        response = client.get(url)
        assert HURTFUL not in response.text, (role, url)
        shown_somewhere |= KIND in response.text
    assert shown_somewhere  # the released card does show: the pages do list cards


def test_the_phones_and_the_board_leave_it_out(held_back, world):
    facilitator, _card = held_back
    board = facilitator.get(reverse("pitstops:session_board", args=[world.session.pk]))
    assert HURTFUL not in board.text and KIND in board.text
    assert HURTFUL not in Reflection.objects.visible_to(world.user("resident")).values_list(
        "text", flat=True
    )
    assert not Reflection.objects.quotable().filter(text=HURTFUL).exists()


def test_facilitators_still_read_it(held_back, world):
    assert Reflection.objects.visible_to(world.user("facilitator")).filter(text=HURTFUL).exists()


def test_released_it_reaches_the_coalition(held_back, world):
    facilitator, card = held_back
    url = reverse("pitstops:card_action", args=[world.session.pk, card.pk])
    assert facilitator.post(url, {"action": "release"}).status_code == 302
    member = Client()
    member.force_login(world.user("professional"))
    home = reverse("coalitions:coalition", args=[world.expedition.slug, world.coalition.slug])
    assert HURTFUL in member.get(home).text


def test_cards_not_yet_revealed_stay_with_the_facilitators(world):
    facilitator = Client()
    facilitator.force_login(world.user("facilitator"))
    control(facilitator, world.session, "open")
    control(facilitator, world.session, "go_to", phase="reflect")
    world.session.refresh_from_db()
    phone = Client()
    join(phone, world.session, guest="Kees")
    post_card(phone, world.session, "Nog niet getoond", theme=world.session.themes.first().pk)
    member = Client()
    member.force_login(world.user("resident"))
    home = reverse("coalitions:coalition", args=[world.expedition.slug, world.coalition.slug])
    assert "Nog niet getoond" not in member.get(home).text
