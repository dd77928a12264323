"""Bad input gets a clear message in the user's language, never a 500, and loses nothing."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from pitstops.models import Reflection
from pitstops.views.live import cookie_name

from .live_helpers import control, join, post_card


@pytest.fixture
def phone(world, client):
    client.force_login(world.user("facilitator"))
    control(client, world.session, "open")
    world.session.refresh_from_db()
    phone = Client()
    join(phone, world.session, guest="Kees")
    assert post_card(phone, world.session, "Een eerder kaartje").json()["ok"]
    return phone


def cards_of(world):
    return set(Reflection.objects.filter(session=world.session).values_list("text", flat=True))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Schrijf eerst iets op je kaartje."),
        ("   ", "Schrijf eerst iets op je kaartje."),
        ("x" * 10_000, "Houd het kort: hooguit 500 tekens (nu 10000)."),
    ],
)
def test_empty_or_huge_card_is_refused_with_a_dutch_message(phone, world, text, message):
    response = post_card(phone, world.session, text)
    assert response.status_code == 400
    assert response.json()["error"] == message
    assert "Een eerder kaartje" in cards_of(world)


def test_the_same_refusal_in_english(phone, world):
    phone.cookies["django_language"] = "en"
    response = post_card(phone, world.session, "")
    assert response.json()["error"] == "Write something on your card first."


def test_a_refused_card_without_javascript_keeps_the_typed_text(phone, world):
    response = post_card(phone, world.session, "x" * 600, json=False)
    assert response.status_code == 400
    assert "x" * 600 in response.text
    assert "Houd het kort" in response.text


def test_html_and_script_are_shown_as_text(phone, world, client):
    post_card(phone, world.session, "<script>alert('hoi')</script><b>vet</b>")
    board = client.get(reverse("pitstops:session_board", args=[world.session.pk])).text
    assert "<script>alert" not in board
    assert "&lt;script&gt;alert(&#x27;hoi&#x27;)&lt;/script&gt;&lt;b&gt;vet&lt;/b&gt;" in board


def test_a_card_in_the_wrong_phase_is_refused(phone, world, client):
    control(client, world.session, "go_to", phase="share")
    response = post_card(phone, world.session, "Te laat")
    assert response.status_code == 400
    assert (
        "In de fase ‘Delen en ordenen’ kun je geen kaartjes schrijven." in response.json()["error"]
    )
    assert "Te laat" not in cards_of(world)
    assert "Een eerder kaartje" in cards_of(world)


def test_a_card_to_a_closed_session_is_refused(phone, world, client):
    control(client, world.session, "close")
    response = post_card(phone, world.session, "Na sluiting")
    assert "Deze sessie is gesloten" in response.json()["error"]
    assert "Een eerder kaartje" in cards_of(world)


def test_an_expired_code_is_refused_clearly(phone, world, client):
    code = world.session.join_code
    control(client, world.session, "close")
    response = Client().post(reverse("pitstops:join"), {"code": code})
    assert response.status_code == 200
    assert "Deze code kennen we niet, of de sessie is voorbij." in response.text


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "a" * 50, "<script>"])
def test_wrong_codes_get_a_message(world, code):
    response = Client().post(reverse("pitstops:join"), {"code": code})
    assert response.status_code == 200
    assert "is-invalid" in response.text


def test_guessing_codes_is_rate_limited(world, settings):
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 3
    guesser = Client()
    statuses = [
        guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_right_code_does_not_buy_more_guesses(world, settings):
    """Someone who knows one open code cannot reset the count by typing it in between."""
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 3
    world.session.open()
    guesser = Client()
    join_url = reverse("pitstops:join")
    statuses = []
    for code in ["ZZZZZZ", "YYYYYY", world.session.join_code, "XXXXXX", world.session.join_code]:
        statuses.append(guesser.post(join_url, {"code": code}).status_code)
    assert statuses == [200, 200, 200, 200, 429]


def test_the_limit_of_one_address_does_not_block_another(world, settings):
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 2
    world.session.open()
    guesser, neighbour = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    for _ in range(3):
        guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"})
    assert guesser.post(reverse("pitstops:join"), {"code": "ZZZZZZ"}).status_code == 429
    response = neighbour.post(reverse("pitstops:join"), {"code": world.session.join_code})
    assert response.status_code == 200 and "proof" in response.text


def test_a_room_of_phones_behind_one_address_can_all_join(world, settings):
    """Right codes do not count: thirty phones on the community centre's wifi all get in."""
    settings.JOIN_ATTEMPTS_PER_TEN_MINUTES = 3
    world.session.open()
    for _ in range(30):
        response = Client().post(reverse("pitstops:join"), {"code": world.session.join_code})
        assert response.status_code == 200


def test_a_forged_cookie_is_refused_and_sent_back_to_join(phone, world):
    forged = Client()
    forged.cookies[cookie_name(world.session.pk)] = "forged:value:signature"
    response = post_card(forged, world.session, "Nep")
    assert response.status_code == 403
    assert response.json()["rejoin"] is True
    page = forged.get(reverse("pitstops:participate", args=[world.session.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("pitstops:join")
    assert "Nep" not in cards_of(world)


def test_a_forged_join_proof_is_refused(world):
    forged = signing.dumps(world.session.pk, salt="somewhere-else")
    response = Client().post(reverse("pitstops:join_as"), {"proof": forged, "guest_name": "Kees"})
    assert response.status_code == 302 and response["Location"] == reverse("pitstops:join")


def test_joining_without_a_name_asks_for_one(world, client):
    client.force_login(world.user("facilitator"))
    control(client, world.session, "open")
    world.session.refresh_from_db()
    response = join(Client(), world.session, guest="  ")
    assert response.status_code == 400
    assert "Kies je naam, of vul je voornaam in." in response.text


def test_control_with_nonsense_gets_a_message(world, client):
    client.force_login(world.user("facilitator"))
    for data in [
        {"action": "explode"},
        {"action": "timer_start", "minutes": "-5"},
        {"action": "go_to"},
    ]:
        response = client.post(
            reverse("pitstops:session_control", args=[world.session.pk]), data, follow=True
        )
        assert response.status_code == 200
        assert "Dat lukte niet" in response.text or "Er ontbreekt iets" in response.text


def test_a_file_that_is_no_photo_is_refused(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.user("facilitator"))
    control(client, world.session, "open")
    fake = SimpleUploadedFile("flipover.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("pitstops:scribe", args=[world.session.pk]),
        {"photo": fake, "kind": "observation"},
        follow=True,
    )
    assert response.status_code == 200
    assert "alert-danger" in response.text


def test_a_photo_over_the_byte_limit_is_refused_with_a_message(world, client, settings):
    from io import BytesIO

    from PIL import Image

    settings.PHOTO_MAX_BYTES = 1000
    client.force_login(world.user("facilitator"))
    control(client, world.session, "open")
    raw = BytesIO()
    Image.effect_noise((200, 200), 100).convert("RGB").save(raw, format="JPEG")
    raw.seek(0)
    raw.name = "groot.jpg"
    response = client.post(
        reverse("pitstops:scribe", args=[world.session.pk]),
        {"photo": raw, "kind": "observation"},
        follow=True,
    )
    assert "Deze foto is te groot" in response.text
    assert not world.session.reflections.exclude(photo="").exists()


def test_a_lost_database_gives_a_503_to_try_again_not_a_500(rf):
    """The JSON answer makes session.js keep the card queued; a page says: one moment."""
    from django.db import OperationalError

    from expeditie.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.post("/sessie/1/meedoen/kaart/", headers={"Accept": "application/json"})
    response = middleware.process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b'"retry": true' in response.content
    from django.utils import translation

    with translation.override("nl"):  # as LocaleMiddleware sets it for a Dutch reader
        page = middleware.process_exception(rf.get("/"), OperationalError("server closed"))
    assert page.status_code == 503 and "Even geduld" in page.content.decode()
    assert middleware.process_exception(rf.get("/"), ValueError("other")) is None


def test_an_oversized_request_gets_a_message_in_dutch(world, settings, client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(world.user("resident"))
    url = reverse("coalitions:tamtam", args=[world.expedition.slug, world.coalition.slug])
    response = client.post(url, {"text": "x" * 5000})
    assert response.status_code == 400
    assert "te groot" in response.content.decode()


def test_pages_not_found_answer_in_the_users_language(client_for):
    response = client_for("resident").get("/bestaat-niet/")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.content.decode()
