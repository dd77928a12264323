"""Flip-chart photos reach only those who may see their card; media is never served openly."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from pitstops.models import Reflection

from .live_helpers import control, join

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_card(world):
    facilitator = Client()
    facilitator.force_login(world.user("facilitator"))
    control(facilitator, world.session, "open")
    world.session.refresh_from_db()
    raw = BytesIO()
    Image.new("RGB", (40, 30), "orange").save(raw, format="JPEG")
    raw.seek(0)
    raw.name = "flap.jpg"
    url = reverse("pitstops:scribe", args=[world.session.pk])
    facilitator.post(url, {"photo": raw, "kind": "observation"})
    card = Reflection.objects.exclude(photo="").get()
    return facilitator, card


def photo_url(card) -> str:
    return reverse("pitstops:card_photo", args=[card.session_id, card.pk])


def as_role(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


def test_who_sees_a_shown_photo(photo_card, world):
    facilitator, card = photo_card
    assert facilitator.get(photo_url(card))["Content-Type"] == "image/jpeg"
    phone = Client()
    join(phone, world.session, guest="Kees")
    assert phone.get(photo_url(card)).status_code == 200
    for role, status in [
        ("resident", 200),
        ("professional", 200),
        ("superuser", 200),
        ("outsider", 404),
        ("coordinator", 404),
        ("stranger", 404),
        ("anonymous", 404),
    ]:
        assert as_role(world, role).get(photo_url(card)).status_code == status, role
    # The board shows it through this address, not a public file.
    board = facilitator.get(reverse("pitstops:session_board", args=[world.session.pk]))
    assert photo_url(card) in board.text and card.photo.url not in board.text


def test_a_held_back_photo_stays_with_the_facilitators(photo_card, world):
    facilitator, card = photo_card
    facilitator.post(
        reverse("pitstops:card_action", args=[world.session.pk, card.pk]), {"action": "hold_back"}
    )
    phone = Client()
    join(phone, world.session, guest="Kees")
    assert phone.get(photo_url(card)).status_code == 404
    assert as_role(world, "resident").get(photo_url(card)).status_code == 404
    assert facilitator.get(photo_url(card)).status_code == 200


def test_the_file_itself_is_not_served(photo_card, world):
    _facilitator, card = photo_card
    assert as_role(world, "resident").get("/" + card.photo.url.lstrip("/")).status_code == 404
