"""Anonymous means unlinkable: two phones, one name; and the database with the secret key.

A second phone that taps a name already in use is not let in silently. Whatever it gets, it
never sees (or changes) the cards of the first phone. And someone holding every row of the
database and SECRET_KEY cannot link an anonymous card or reflection to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as StoredSession
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.crypto import salted_hmac

from coalitions.models import Member
from pitstops import authorship
from pitstops.models import JoinRequest, Participant, Reflection
from pitstops.views.live import cookie_name, participant_cookie

from .live_helpers import control, join, post_card

pytestmark = pytest.mark.django_db

SECRET_WORDS = "Ik ben bang dat de wijkcoach alles overneemt"
PRIVATE_WORDS = "Alleen voor de begeleiders: er is ruzie"


@pytest.fixture
def facilitator(world) -> Client:
    client = Client()
    client.force_login(world.user("facilitator"))
    return client


@pytest.fixture
def live(world, facilitator):
    """An open session in the reflect phase: cards stay hidden until the reveal."""
    assert control(facilitator, world.session, "open").status_code == 302
    assert control(facilitator, world.session, "go_to", phase="reflect").status_code == 302
    world.session.refresh_from_db()
    return world.session


@pytest.fixture
def first_phone(live, world) -> Client:
    """The resident's own phone: joins by name, writes an anonymous and a private card."""
    phone = Client()
    assert join(phone, live, member=world.resident).status_code == 302
    theme = live.current_theme_id
    for text, visibility in [(SECRET_WORDS, "coalition"), (PRIVATE_WORDS, "facilitators")]:
        response = post_card(
            phone, live, text, visibility=visibility, is_anonymous="on", theme=theme
        )
        assert response.json()["ok"], response.content
    return phone


def participate(phone: Client, session) -> str:
    response = phone.get(reverse("pitstops:participate", args=[session.pk]))
    assert response.status_code == 200
    return response.text


def ask_facilitator(phone: Client, session, member) -> None:
    """Tap the name in use, then "ask the facilitator"."""
    taken = join(phone, session, member=member)
    assert taken.status_code == 409
    proof = re.search(r'name="proof" value="([^"]+)"', taken.text).group(1)
    response = phone.post(reverse("pitstops:join_request"), {"proof": proof, "member": member.pk})
    assert response["Location"] == reverse("pitstops:join_wait", args=[session.pk])


def test_the_first_phone_sees_and_changes_its_anonymous_cards(first_phone, live):
    page = participate(first_phone, live)
    assert SECRET_WORDS in page and PRIVATE_WORDS in page
    card = Reflection.objects.get(text=SECRET_WORDS)
    assert card.author is None and card.participant is None
    change = reverse("pitstops:card_change", args=[live.pk, card.pk])
    data = {"text": "Anders gezegd", "kind": "observation", "visibility": "coalition"}
    first_phone.post(change, {**data, "is_anonymous": "on", "theme": card.theme_id})
    card.refresh_from_db()
    assert card.text == "Anders gezegd" and card.is_anonymous
    first_phone.post(change, {"action": "withdraw"})
    assert not Reflection.objects.filter(pk=card.pk).exists()


def test_a_second_phone_that_taps_the_same_name_is_not_let_in(first_phone, live, world):
    second = Client()
    response = join(second, live, member=world.resident)
    assert response.status_code == 409
    assert world.resident.name in response.text
    assert "pitstop-deelnemer" not in str(second.cookies)
    # Not a participant: the phone's page sends it back to the join page.
    page = second.get(reverse("pitstops:participate", args=[live.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("pitstops:join")
    card = Reflection.objects.get(text=SECRET_WORDS)
    second.post(reverse("pitstops:card_change", args=[live.pk, card.pk]), {"action": "withdraw"})
    assert Reflection.objects.filter(pk=card.pk).exists()
    assert Participant.objects.filter(session=live, member=world.resident).count() == 1


def test_the_facilitator_lets_the_second_phone_in_and_it_sees_none_of_the_first_phones_cards(
    first_phone, live, world, facilitator
):
    second = Client()
    ask_facilitator(second, live, world.resident)
    waiting = second.get(reverse("pitstops:join_wait", args=[live.pk]))
    assert waiting.status_code == 200 and 'hx-trigger="every 2s"' in waiting.text
    # Still waiting: the poll swaps nothing.
    poll = second.get(reverse("pitstops:join_wait", args=[live.pk]), headers={"HX-Request": "true"})
    assert poll.status_code == 204 and "HX-Redirect" not in poll
    run = facilitator.get(reverse("pitstops:session_run", args=[live.pk]))
    asked = JoinRequest.objects.get(session=live)
    assert world.resident.name in run.text
    decide = reverse("pitstops:join_request_decide", args=[live.pk, asked.pk])
    assert decide in run.text
    assert facilitator.post(decide, {"action": "let_in"}).status_code == 302

    poll = second.get(reverse("pitstops:join_wait", args=[live.pk]), headers={"HX-Request": "true"})
    assert poll["HX-Redirect"] == reverse("pitstops:participate", args=[live.pk])
    page = participate(second, live)
    assert SECRET_WORDS not in page and PRIVATE_WORDS not in page
    # Both phones are the resident now, each with its own writer secret.
    first_cookie = participant_cookie(request_with(first_phone, live), live.pk)
    second_cookie = participant_cookie(request_with(second, live), live.pk)
    assert first_cookie[0] == second_cookie[0]
    assert first_cookie[1] != second_cookie[1]
    # The second phone cannot change or withdraw the first phone's cards.
    before = set(Reflection.objects.values_list("pk", "text"))
    for card in Reflection.objects.filter(session=live):
        url = reverse("pitstops:card_change", args=[live.pk, card.pk])
        second.post(url, {"action": "withdraw"})
        second.post(url, {"text": "Overschreven", "kind": "observation", "visibility": "coalition"})
    assert set(Reflection.objects.values_list("pk", "text")) == before
    # What the second phone writes is its own, and the first phone does not see it.
    post_card(second, live, "Van de tweede telefoon", theme=live.current_theme_id)
    assert "Van de tweede telefoon" in participate(second, live)
    assert "Van de tweede telefoon" not in participate(first_phone, live)
    assert SECRET_WORDS in participate(first_phone, live)


def request_with(client: Client, session):
    """A request carrying the client's cookies, to read the participant cookie back."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES[cookie_name(session.pk)] = client.cookies[cookie_name(session.pk)].value
    return request


def test_a_refused_phone_stays_out(first_phone, live, world, facilitator):
    second = Client()
    ask_facilitator(second, live, world.resident)
    asked = JoinRequest.objects.get(session=live)
    decide = reverse("pitstops:join_request_decide", args=[live.pk, asked.pk])
    facilitator.post(decide, {"action": "refuse"})
    poll = second.get(reverse("pitstops:join_wait", args=[live.pk]), headers={"HX-Request": "true"})
    assert "HX-Redirect" not in poll
    assert second.get(reverse("pitstops:participate", args=[live.pk])).status_code == 302
    # A request is answered once.
    facilitator.post(decide, {"action": "let_in"})
    assert JoinRequest.objects.get(pk=asked.pk).status == JoinRequest.Status.REFUSED


def test_a_signed_in_member_gets_in_on_a_second_phone_without_the_first_phones_cards(
    first_phone, live, world
):
    second = Client()
    second.force_login(world.user("resident"))
    response = second.post(reverse("pitstops:join"), {"code": live.join_code})
    assert response["Location"] == reverse("pitstops:participate", args=[live.pk])
    page = participate(second, live)
    assert SECRET_WORDS not in page and PRIVATE_WORDS not in page


def test_joining_again_on_the_same_phone_starts_with_a_new_secret(first_phone, live):
    """A phone handed to someone else, who joins as a guest, shows nothing of the first."""
    assert join(first_phone, live, guest="Kees").status_code == 302
    page = participate(first_phone, live)
    assert SECRET_WORDS not in page and PRIVATE_WORDS not in page


# The database and the secret key ---------------------------------------------------------------


def every_stored_string() -> set[str]:
    """Every value in every table as text, with the session store decoded too."""
    values: set[str] = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values.update(str(value) for value in row if value is not None)
    for stored in StoredSession.objects.all():
        values.update(str(value) for value in stored.get_decoded().values())
    return values


def candidate_secrets(values: set[str]) -> set[str]:
    """What someone with the database and SECRET_KEY would try as a writer's secret: every
    stored value, and every keyed hash of it that this app ever derived with SECRET_KEY."""
    candidates = set(values)
    for value in values:
        candidates.add(salted_hmac("pitstops.card-author", value, algorithm="sha256").hexdigest())
        candidates.add(
            hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
        )
    return candidates


def test_the_database_and_the_secret_key_link_no_anonymous_words_to_anyone(world, facilitator):
    """After a session with several members and guests, and anonymous reflections in the
    coalition space, try every member and participant: nothing links."""
    session = world.session
    control(facilitator, session, "open")
    control(facilitator, session, "go_to", phase="reflect")
    session.refresh_from_db()
    members = [world.resident, world.professional]
    members += [
        Member.objects.create(coalition=world.coalition, name=f"Lid {number}", role=role)
        for number, role in enumerate(["resident", "professional", "resident"])
    ]
    phones = {}
    for member in members:
        phones[member.pk] = phone = Client()
        join(phone, session, member=member)
        post_card(phone, session, f"Anoniem van {member.pk}", is_anonymous="on")
        post_card(phone, session, f"Met naam van {member.pk}")
    guest = Client()
    join(guest, session, guest="Kees")
    post_card(guest, session, "Anoniem van de gast", is_anonymous="on")
    writer = Client()
    writer.force_login(world.user("resident"))
    writer.post(
        reverse("coalitions:reflections", args=[world.expedition.slug, world.coalition.slug]),
        {
            "theme": world.expedition.themes.first().pk,
            "kind": "undercurrent",
            "text": "Anoniem in de coalitie",
            "visibility": "facilitators",
            "is_anonymous": "on",
        },
    )
    control(facilitator, session, "reveal")
    control(facilitator, session, "close")

    anonymous = list(Reflection.objects.filter(is_anonymous=True))
    assert len(anonymous) == len(members) + 2
    stored = every_stored_string()
    candidates = candidate_secrets(stored)
    for words in anonymous:
        assert words.author_id is None and words.participant_id is None
        assert words.author_seal
        # No stored value, and no keyed hash of one, opens the seal.
        assert not any(authorship.is_sealed_by(words.author_seal, c) for c in candidates)
    # The old, linkable keys are gone: none of them is stored anywhere.
    for participant in Participant.objects.all():
        old_key = salted_hmac("pitstops.card-author", participant.key, algorithm="sha256")
        assert old_key.hexdigest() not in stored
    for member in members:
        for words in anonymous:
            old_digest = salted_hmac(
                "coalitions.ReflectionAuthorKey",
                f"{words.pk}:{member.pk}",
                algorithm="sha256",
            ).hexdigest()
            assert old_digest not in stored
    # The check can fail: the secrets the phones hold do open their own seals.
    for member in members:
        cookie = participant_cookie(request_with(phones[member.pk], session), session.pk)
        sealed = Reflection.objects.get(text=f"Anoniem van {member.pk}").author_seal
        assert authorship.is_sealed_by(sealed, cookie[1])
        assert cookie[1] not in stored
