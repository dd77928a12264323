"""One expedition's words stay in that expedition, also for people who run more than one.

A facilitator of two expeditions, or a superuser, may read both; still a red thread takes its
evidence from its own expedition only. A facilitator of expedition A reads none of expedition
B's words: not in a workspace or search, not on a session's screens, not as a card's photo, and
not when that facilitator also happens to be a member of a coalition in B (then they read B as a
member: shared words only).
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from pitstops.models import Reflection
from tests.factories import MemberFactory, RedThreadFactory, ReflectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

REFUSED = "belongs to another expedition, or you may not read it"
PRIVATE_B = "Alleen voor de begeleiders van B"
HELD_BACK_B = "Tegengehouden in B"
UNREVEALED_B = "Nog niet getoond in B"
SHARED_B = "Gedeeld in coalitie B"


def evidence_url(thread) -> str:
    return reverse("pitstops:evidence", kwargs={"pk": thread.pk})


def workspace_url(world) -> str:
    return reverse(
        "pitstops:workspace",
        kwargs={"expedition": world.expedition.slug, "number": world.pitstop.number},
    )


def jpeg() -> ContentFile:
    raw = BytesIO()
    Image.new("RGB", (20, 10), "teal").save(raw, format="JPEG")
    return ContentFile(raw.getvalue(), name="flap.jpg")


@pytest.fixture
def b_words(other_world):
    """Expedition B's words in its session: private, held back, not yet shown, and shared."""
    session = other_world.session
    coalition = other_world.coalition
    return {
        "private": ReflectionFactory(
            coalition=coalition, session=session, text=PRIVATE_B, visibility="facilitators"
        ),
        "held_back": ReflectionFactory(
            coalition=coalition, session=session, text=HELD_BACK_B, is_held_back=True
        ),
        "unrevealed": ReflectionFactory(
            coalition=coalition, session=session, text=UNREVEALED_B, revealed_at=None
        ),
        "shared": ReflectionFactory(coalition=coalition, session=session, text=SHARED_B),
    }


# --- 1. Evidence comes from the red thread's own expedition ------------------------------------


@pytest.mark.parametrize("who", ["facilitator of both", "superuser"])
@pytest.mark.parametrize("htmx", [True, False])
def test_evidence_from_the_other_expedition_is_refused_to_who_reads_both(
    client, world, other_world, who, htmx
):
    user = world.user("facilitator") if who != "superuser" else world.user("superuser")
    other_world.expedition.facilitators.add(world.user("facilitator"))
    # They may read the other expedition's card: only the expedition rule can refuse it.
    foreign = other_world.card
    assert Reflection.objects.visible_to(user).filter(pk=foreign.pk).exists()
    thread = RedThreadFactory(pitstop=world.pitstop)
    client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        evidence_url(thread),
        {"reflection": foreign.pk, "action": "add"},
        headers=headers,
        follow=not htmx,
    )
    assert response.status_code == 200
    assert REFUSED in response.text
    assert not thread.evidence.exists()
    # Their own expedition's card is taken, so the refusal above is about the expedition.
    client.post(evidence_url(thread), {"reflection": world.card.pk, "action": "add"})
    assert list(thread.evidence.all()) == [world.card]


# --- 2. A facilitator of A reads nothing of B ---------------------------------------------------


def test_the_workspace_of_b_is_404_and_a_search_in_a_finds_nothing_of_b(
    client_for, world, other_world, b_words
):
    client = client_for("facilitator")
    assert client.get(workspace_url(other_world)).status_code == 404
    b_ids = {card.pk for card in b_words.values()}
    for query in ("", "in B", *[card.text for card in b_words.values()]):
        response = client.get(workspace_url(world), {"q": query})
        assert response.status_code == 200
        shown = {row.pk for row in response.context["reflections"]}
        assert not shown & b_ids, query
    # The search does find words of A: it is not empty for every query.
    mine = ReflectionFactory(
        coalition=world.coalition, session=world.session, text="Eigen woorden in A"
    )
    response = client.get(workspace_url(world), {"q": "Eigen woorden"})
    assert [row.pk for row in response.context["reflections"]] == [mine.pk]


def test_the_session_screens_of_b_are_404(client_for, other_world, b_words):
    client = client_for("facilitator")
    session = other_world.session
    for name in ("session_run", "session_board", "session_summary"):
        response = client.get(reverse(f"pitstops:{name}", args=[session.pk]))
        assert response.status_code == 404, name
        assert SHARED_B not in response.text


def test_a_card_photo_of_b_is_404(client_for, world, other_world, b_words, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("facilitator")
    for card in b_words.values():
        card.photo.save("flap.jpg", jpeg())
        url = reverse("pitstops:card_photo", args=[card.session_id, card.pk])
        assert client.get(url).status_code == 404, card.text
    # B's own facilitator does get the photos: the 404 above is about the expedition.
    client.force_login(other_world.user("facilitator"))
    card = b_words["private"]
    url = reverse("pitstops:card_photo", args=[card.session_id, card.pk])
    assert client.get(url).status_code == 200


def test_a_facilitator_of_a_who_is_a_member_in_b_reads_b_as_a_member(
    client_for, world, other_world, b_words
):
    """Running one expedition gives no extra right in another one where you are a member."""
    user = world.user("facilitator")
    MemberFactory(coalition=other_world.coalition, user=user, name="Fenna")
    other_world.session.status = other_world.session.Status.CLOSED
    other_world.session.save()
    readable = set(Reflection.objects.visible_to(user).values_list("text", flat=True))
    assert SHARED_B in readable
    assert not {PRIVATE_B, HELD_BACK_B, UNREVEALED_B} & readable
    client = client_for("facilitator")
    space = reverse(
        "coalitions:coalition",
        kwargs={"expedition": other_world.expedition.slug, "slug": other_world.coalition.slug},
    )
    summary = reverse("pitstops:session_summary", args=[other_world.session.pk])
    for url in (space, summary):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SHARED_B in response.text, url
        for text in (PRIVATE_B, HELD_BACK_B, UNREVEALED_B):
            assert text not in response.text, (url, text)
