"""A card the facilitator holds back after the group has seen it leaves every screen: the board
(whole page, fragment and delta), every phone, its photo, and the members' pages."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from pitstops.models import Reflection

from .live_helpers import control, join, post_card

pytestmark = pytest.mark.django_db

SHARP = "Toch te scherp voor de groep"


def jpeg() -> ContentFile:
    raw = BytesIO()
    Image.new("RGB", (20, 10), "red").save(raw, format="JPEG")
    return ContentFile(raw.getvalue(), name="flap.jpg")


@pytest.fixture
def revealed(world, client, settings, tmp_path):
    """An open session in the reflect phase: Kees wrote a card with a photo, the facilitator
    showed it to the group, and Mia's phone is in the session too."""
    settings.MEDIA_ROOT = tmp_path
    session = world.session
    client.force_login(world.user("facilitator"))
    control(client, session, "open")
    control(client, session, "go_to", phase="reflect")
    session.refresh_from_db()
    writer, other = Client(), Client()
    join(writer, session, guest="Kees")
    join(other, session, guest="Mia")
    post_card(writer, session, SHARP, theme=session.current_theme_id)
    card = Reflection.objects.get(text=SHARP)
    card.photo.save("flap.jpg", jpeg())
    control(client, session, "reveal")
    card.refresh_from_db()
    assert card.revealed_at is not None
    return {"facilitator": client, "writer": writer, "other": other, "card": card}


def group_part(page: str) -> str:
    """A phone's page without its own cards."""
    before, own, _after = page.partition('<section id="own-cards"')
    assert own, "the phone's page has no own cards section"
    return before


def screens(world, live) -> dict[str, str]:
    """What each screen and page shows now, as text."""
    session = world.session
    board = reverse("pitstops:session_board", args=[session.pk])
    phone = reverse("pitstops:participate", args=[session.pk])
    member = Client()
    member.force_login(world.user("professional"))
    home = reverse("coalitions:coalition", args=[world.expedition.slug, world.coalition.slug])
    return {
        "board page": live["facilitator"].get(board).text,
        "board fragment": live["facilitator"].get(board, headers={"HX-Request": "true"}).text,
        # The writer keeps their own card under "My cards"; the group's cards are above it.
        "writer's phone": group_part(live["writer"].get(phone).text),
        "other phone": live["other"].get(phone).text,
        "coalition home": member.get(home).text,
    }


def photo_status(live, client: Client) -> int:
    card = live["card"]
    return client.get(reverse("pitstops:card_photo", args=[card.session_id, card.pk])).status_code


def test_a_card_held_back_after_the_reveal_leaves_every_screen(world, revealed):
    live = revealed
    card = live["card"]
    # Shown first: on every screen, and its photo on the other phone.
    for name, text in screens(world, live).items():
        assert SHARP in text, name
    assert photo_status(live, live["other"]) == 200
    world.session.refresh_from_db()
    version = world.session.version

    response = live["facilitator"].post(
        reverse("pitstops:card_action", args=[world.session.pk, card.pk]), {"action": "hold_back"}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.is_held_back

    for name, text in screens(world, live).items():
        assert SHARP not in text, name
    assert photo_status(live, live["other"]) == 404
    # The board's next poll (a delta from the version it showed) takes the card away.
    delta = live["facilitator"].get(
        reverse("pitstops:session_board", args=[world.session.pk]),
        headers={"HX-Request": "true", "X-Live-Version": str(version)},
    )
    assert delta.status_code == 200 and delta.get("X-Live-Delta") == "true"
    assert f'data-live-remove="card-{card.pk}"' in delta.text
    assert SHARP not in delta.text
    # The facilitator still has it on the run page, to release it later.
    run = live["facilitator"].get(reverse("pitstops:session_run", args=[world.session.pk]))
    assert SHARP in run.text
    assert photo_status(live, live["facilitator"]) == 200


def test_a_held_back_card_cannot_be_marked(world, revealed):
    live = revealed
    card = live["card"]
    live["facilitator"].post(
        reverse("pitstops:card_action", args=[world.session.pk, card.pk]), {"action": "hold_back"}
    )
    control(live["facilitator"], world.session, "go_to", phase="resonance")
    url = reverse("pitstops:mark", args=[world.session.pk, card.pk])
    live["other"].post(url, headers={"Accept": "application/json"})
    assert not card.marks.exists()
    # A card that is shown can be marked: the refusal above is about holding back.
    live["facilitator"].post(
        reverse("pitstops:card_action", args=[world.session.pk, card.pk]), {"action": "release"}
    )
    live["other"].post(url, headers={"Accept": "application/json"})
    assert card.marks.count() == 1
