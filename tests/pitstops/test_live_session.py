"""Running a session live, through real HTTP: facilitator, participants, board and summary."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pitstops.models import Agreement, CompassRating, Participant, Reflection, Session

from .live_helpers import control, join, post_card


@pytest.fixture
def live(world, client):
    """An opened session and a logged-in facilitator's client."""
    client.force_login(world.user("facilitator"))
    assert control(client, world.session, "open").status_code == 302
    world.session.refresh_from_db()
    return world.session


def test_opening_gives_a_join_code_and_a_qr_code(live, client):
    assert len(live.join_code) == 6
    board = client.get(reverse("pitstops:session_board", args=[live.pk]))
    assert live.join_code in board.text
    assert "<svg" in board.text


def test_guest_joins_by_code_and_posts_a_check_in(live, client):
    phone = Client()
    response = join(phone, live, guest="Kees")
    assert response["Location"] == reverse("pitstops:participate", args=[live.pk])
    assert phone.get(response["Location"]).status_code == 200
    assert post_card(phone, live, "Goed, dank je").json()["ok"]
    board = client.get(
        reverse("pitstops:session_board", args=[live.pk]), headers={"HX-Request": "true"}
    )
    assert "Goed, dank je" in board.text
    assert "Kees (gast)" in board.text


def test_member_picks_a_name_and_a_logged_in_member_is_recognised(live, world):
    phone = Client()
    join(phone, live, member=world.resident)
    assert Participant.objects.get(session=live).member == world.resident
    logged_in = Client()
    logged_in.force_login(world.user("professional"))
    response = logged_in.post(reverse("pitstops:join"), {"code": live.join_code})
    assert response.status_code == 302
    assert Participant.objects.filter(session=live, member=world.professional).exists()


def test_a_card_sent_twice_is_stored_once(live):
    phone = Client()
    join(phone, live, guest="Kees")
    client_id = str(uuid.uuid4())
    first = post_card(phone, live, "Een keer", client_id=client_id).json()
    again = post_card(phone, live, "Een keer", client_id=client_id).json()
    assert first["id"] == again["id"] and again["created"] is False
    assert Reflection.objects.filter(session=live, text="Een keer").count() == 1


def test_silent_writing_until_the_reveal_and_held_back_cards_stay_hidden(live, client):
    phone = Client()
    join(phone, live, guest="Kees")
    control(client, live, "go_to", phase="reflect")
    post_card(phone, live, "Zichtbaar na onthullen")
    post_card(phone, live, "Kwetsend")
    hurtful = Reflection.objects.get(text="Kwetsend")
    client.post(
        reverse("pitstops:card_action", args=[live.pk, hurtful.pk]), {"action": "hold_back"}
    )
    board_url = reverse("pitstops:session_board", args=[live.pk])
    assert "Zichtbaar na onthullen" not in client.get(board_url).text
    assert (
        "Zichtbaar na onthullen" in client.get(reverse("pitstops:session_run", args=[live.pk])).text
    )
    control(client, live, "reveal")
    board = client.get(board_url).text
    assert "Zichtbaar na onthullen" in board
    assert "Kwetsend" not in board


def test_an_anonymous_card_shows_no_name_anywhere(live, world, client, admin_client):
    phone = Client()
    join(phone, live, member=world.resident)
    control(client, live, "go_to", phase="reflect")
    post_card(phone, live, "Niemand weet van wie", is_anonymous="on", visibility="quotable")
    card = Reflection.objects.get(text="Niemand weet van wie")
    assert card.author is None and card.participant is None and card.author_role == "resident"
    control(client, live, "reveal")
    control(client, live, "close")
    pages = [
        client.get(reverse("pitstops:session_board", args=[live.pk])).text,
        client.get(reverse("pitstops:session_run", args=[live.pk])).text,
        client.get(reverse("pitstops:session_summary", args=[live.pk])).text,
        admin_client.get(reverse("admin:pitstops_reflection_changelist"), {"q": "Niemand"}).text,
        admin_client.get(reverse("admin:pitstops_reflection_change", args=[card.pk])).text,
    ]
    for page in pages:
        assert "Niemand weet van wie" in page
        position = page.index("Niemand weet van wie")
        assert "Ans" not in page[position - 600 : position + 600]


def test_writer_can_edit_and_withdraw_an_anonymous_card_while_the_phase_lasts(live, client):
    phone = Client()
    join(phone, live, guest="Kees")
    control(client, live, "go_to", phase="reflect")
    post_card(phone, live, "Eerste versie", is_anonymous="on")
    card = Reflection.objects.get(text="Eerste versie")
    url = reverse("pitstops:card_change", args=[live.pk, card.pk])
    fields = {"kind": "observation", "visibility": "coalition", "is_anonymous": "on"}
    phone.post(url, {"action": "edit", "text": "Tweede versie", **fields})
    card.refresh_from_db()
    assert card.text == "Tweede versie"
    other = Client()
    join(other, live, guest="Mia")
    other.post(url, {"action": "withdraw"})
    assert Reflection.objects.filter(pk=card.pk).exists()  # not hers
    control(client, live, "next")
    phone.post(url, {"action": "withdraw"})
    assert Reflection.objects.filter(pk=card.pk).exists()  # the phase is over
    control(client, live, "previous")


def test_facilitator_groups_cards_and_participants_mark_at_most_three(live, client):
    phone = Client()
    join(phone, live, guest="Kees")
    control(client, live, "go_to", phase="reflect")
    for number in range(5):
        post_card(phone, live, f"Kaart {number}")
    control(client, live, "reveal")
    control(client, live, "go_to", phase="share")
    client.post(reverse("pitstops:group_add", args=[live.pk]), {"name": "Vertrouwen"})
    group = live.groups.get()
    first = Reflection.objects.get(text="Kaart 0")
    client.post(
        reverse("pitstops:card_action", args=[live.pk, first.pk]),
        {"action": "group", "group": group.pk},
    )
    first.refresh_from_db()
    assert first.group == group
    control(client, live, "go_to", phase="resonance")
    cards = list(Reflection.objects.filter(session=live, text__startswith="Kaart"))
    for card in cards[:4]:
        phone.post(reverse("pitstops:mark", args=[live.pk, card.pk]))
    participant = Participant.objects.get(session=live)
    assert participant.marks.count() == 3
    phone.post(reverse("pitstops:mark", args=[live.pk, cards[0].pk]))  # take one back
    assert participant.marks.count() == 2


def test_agreements_and_compass_through_every_phase_to_close(live, world, client):
    phones = []
    for member in [world.resident, world.professional]:
        phone = Client()
        join(phone, live, member=member)
        phones.append(phone)
    for phase in ["reflect", "share", "resonance", "agreements"]:
        control(client, live, "next")
        live.refresh_from_db()
        assert live.phase == phase
    earlier = world.agreement
    assert earlier.what in client.get(reverse("pitstops:session_run", args=[live.pk])).text
    client.post(
        reverse("pitstops:agreement_review", args=[live.pk, earlier.pk]),
        {"status": "done", "outcome": "Gelukt"},
    )
    earlier.refresh_from_db()
    assert earlier.status == "done" and earlier.outcome == "Gelukt"
    phones[0].post(
        reverse("pitstops:propose_agreement", args=[live.pk]),
        {"what": "Samen koffie", "lead": world.resident.pk, "due_on": "2027-01-10"},
    )
    assert Agreement.objects.get(what="Samen koffie").origin_session == live
    control(client, live, "next")
    themes = list(live.themes.all())
    for phone in phones:
        data = {"rung": "with", **{f"theme_{theme.pk}": 4 for theme in themes}}
        assert phone.post(reverse("pitstops:compass", args=[live.pk]), data).status_code == 302
    assert CompassRating.objects.filter(session=live).count() == 2
    control(client, live, "next")
    control(client, live, "close")
    live.refresh_from_db()
    assert live.is_closed and live.join_code == ""
    summary = client.get(reverse("pitstops:session_summary", args=[live.pk])).text
    assert "Samen koffie" in summary
    # Two raters per side at most: no resident/professional split.
    assert "ten minste drie" in summary


def test_members_read_the_summary_after_close_and_outsiders_never(live, world, client):
    url = reverse("pitstops:session_summary", args=[live.pk])
    member = Client()
    member.force_login(world.user("resident"))
    assert member.get(url).status_code == 404  # not before the close
    control(client, live, "close")
    for role, status in [
        ("resident", 200),
        ("professional", 200),
        ("outsider", 404),
        ("coordinator", 404),
        ("stranger", 404),
    ]:
        reader = Client()
        reader.force_login(world.user(role))
        assert reader.get(url).status_code == status, role


def test_timer_start_pause_resume_extend(live, client):
    control(client, live, "timer_start", minutes=5)
    live.refresh_from_db()
    assert 290 <= live.timer_seconds_left() <= 300
    control(client, live, "timer_pause")
    live.refresh_from_db()
    paused = live.timer_paused_seconds
    control(client, live, "timer_extend", minutes=2)
    live.refresh_from_db()
    assert live.timer_paused_seconds == paused + 120
    control(client, live, "timer_resume")
    live.refresh_from_db()
    assert live.timer_is_running


def test_phases_can_be_reordered(live, client):
    control(client, live, "phase_later", phase="check_in")
    live.refresh_from_db()
    assert live.phases[:2] == ["reflect", "check_in"]


def test_scribe_notes_for_a_member_and_adds_a_photo_without_camera_data(live, world, client):
    from io import BytesIO

    from PIL import Image

    image = Image.new("RGB", (3000, 2000), "orange")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    raw = BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    raw.seek(0)
    raw.name = "flipover.jpg"
    client.post(
        reverse("pitstops:scribe", args=[live.pk]),
        {"text": "Gezegd door Ans", "member": world.resident.pk, "kind": "observation"},
    )
    noted = Reflection.objects.get(text="Gezegd door Ans")
    assert noted.author == world.resident and noted.noted_by == world.user("facilitator")
    client.post(reverse("pitstops:scribe", args=[live.pk]), {"photo": raw, "kind": "observation"})
    photo = Reflection.objects.exclude(photo="").get()
    with Image.open(photo.photo.path) as stored:
        assert max(stored.size) <= 1600
        assert not stored.getexif()


def board_queries(client, session, cards: int) -> int:
    """Fill the session up to `cards` cards; count the queries of one board update."""
    participant, _ = Participant.objects.get_or_create(session=session, guest_name="Kees")
    existing = session.reflections.count()
    Reflection.objects.bulk_create(
        Reflection(
            coalition=session.coalition,
            session=session,
            theme=session.themes.first(),
            participant=participant,
            group=session.groups.first(),
            text=f"Kaart {number}",
            phase="reflect",
            revealed_at=session.opened_at,
        )
        for number in range(existing, cards)
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("pitstops:session_board", args=[session.pk]), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    shown = Reflection.objects.filter(session=session).shown_to_group().count()
    assert shown >= cards - 1  # all but the unrevealed card from the world fixture
    assert response.text.count("live-card") == shown
    return len(queries)


@pytest.mark.parametrize("phase", ["reflect", "resonance", "compass"])
def test_board_update_query_count_is_the_same_at_10_and_300_cards(live, client, phase):
    control(client, live, "go_to", phase=phase)
    client.post(reverse("pitstops:group_add", args=[live.pk]), {"name": "Groep"})
    at_10 = board_queries(client, live, 10)
    at_300 = board_queries(client, live, 300)
    assert at_10 == at_300 <= 16


def test_an_unchanged_board_costs_a_304(live, client):
    url = reverse("pitstops:session_board", args=[live.pk])
    first = client.get(url, headers={"HX-Request": "true"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, headers={"HX-Request": "true", "If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert len(queries) <= 3  # session, user, version
    assert "HX-Request" in first["Vary"]


def test_the_admin_lists_sessions_participants_and_groups(admin_client, live):
    for model in ["session", "participant", "cardgroup", "resonancemark"]:
        assert admin_client.get(reverse(f"admin:pitstops_{model}_changelist")).status_code == 200
    assert admin.site.is_registered(Session)


def test_the_shared_fragment_is_rendered_at_most_once_a_second(live, monkeypatch):
    """Many phones polling after a change share one rendering for a second (README's claim):
    counted in queries, with the clock held still."""
    from pitstops.views import taking_part

    now = [1_000_000.0]
    monkeypatch.setattr(taking_part.time, "time", lambda: now[0])
    phones = [Client() for _ in range(3)]
    for number, phone in enumerate(phones):
        join(phone, live, guest=f"Gast {number}")
    post_card(phones[0], live, "Een nieuwe kaart")
    url = reverse("pitstops:participate", args=[live.pk])
    headers = {"HX-Request": "true"}

    def poll(phone) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert phone.get(url, {"state": "check_in-open"}, headers=headers).status_code == 200
        return len(queries)

    first = poll(phones[0])
    assert first > 2  # this one rendered the fragment
    # The state and the fragment both come from the shared cache: no database read at all.
    assert [poll(phone) for phone in phones[1:]] == [0, 0]
    post_card(phones[0], live, "Nog een kaart")
    assert poll(phones[1]) == 1  # the new state from the database; the rendering still shared
    now[0] += 1.1
    assert poll(phones[2]) > 2  # a second later the change is rendered


def test_an_unchanged_phone_poll_reads_no_database(live):
    """The session's state is kept in the shared cache: a 304 costs no query."""
    phone = Client()
    join(phone, live, guest="Kees")
    url = reverse("pitstops:participate", args=[live.pk])
    first = phone.get(url, {"state": "check_in-open"}, headers={"HX-Request": "true"})
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = phone.get(
            url,
            {"state": "check_in-open"},
            headers={"HX-Request": "true", "If-None-Match": etag},
        )
    assert again.status_code == 304
    assert len(queries) == 0


def test_a_change_reaches_the_next_poll_at_once(live, client):
    """touch() drops the cached state, so the next poll reads the new version and phase."""
    from pitstops.models import Session as SessionModel

    phone = Client()
    join(phone, live, guest="Kees")
    url = reverse("pitstops:participate", args=[live.pk])
    headers = {"HX-Request": "true"}
    phone.get(url, {"state": "check_in-open"}, headers=headers)
    before = SessionModel.live_state(live.pk)[0]
    post_card(phone, live, "Nieuw op het bord")
    assert SessionModel.live_state(live.pk)[0] == before + 1
    control(client, live, "go_to", phase="reflect")
    response = phone.get(url, {"state": "check_in-open"}, headers=headers)
    assert response["HX-Refresh"] == "true"  # a new phase: the phone reloads its page


def test_polls_work_when_the_cache_is_down(live, settings):
    """The database is the truth: a cache that cannot be reached is a miss, not an error."""
    settings.CACHES = {
        "default": {
            "BACKEND": "expeditie.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
        }
    }
    from pitstops.models import Session as SessionModel

    assert SessionModel.live_state(live.pk)[0] == live.version


def test_a_card_with_a_theme_of_another_expedition_is_refused(live, other_world):
    """The card's theme must be one of this session's: the form's choices are the check."""
    phone = Client()
    join(phone, live, guest="Kees")
    foreign = other_world.expedition.themes.first()
    answer = post_card(phone, live, "Verkeerd thema", theme=foreign.pk)
    assert answer.status_code == 400 and not answer.json()["ok"]
    assert not Reflection.objects.filter(text="Verkeerd thema").exists()


def test_a_card_stored_but_never_announced_is_announced_when_sent_again(live):
    """The first request stored the card and failed before it told the screens (its
    changed_at_version is still 0): the phone's retry tells them."""
    phone = Client()
    join(phone, live, guest="Kees")
    client_id = str(uuid.uuid4())
    first = post_card(phone, live, "Half gelukt", client_id=client_id).json()
    Reflection.objects.filter(pk=first["id"]).update(changed_at_version=0)
    live.refresh_from_db()
    before = live.version
    again = post_card(phone, live, "Half gelukt", client_id=client_id).json()
    assert again["id"] == first["id"] and again["created"] is False
    live.refresh_from_db()
    assert live.version == before + 1
    assert Reflection.objects.get(pk=first["id"]).changed_at_version == live.version


def test_a_card_sent_again_after_the_session_closed_is_still_answered_as_stored(live, client):
    phone = Client()
    join(phone, live, guest="Kees")
    client_id = str(uuid.uuid4())
    first = post_card(phone, live, "Net op tijd", client_id=client_id).json()
    control(client, live, "close")
    again = post_card(phone, live, "Net op tijd", client_id=client_id)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    refused = post_card(phone, live, "Te laat", client_id=str(uuid.uuid4()))
    assert refused.status_code in (400, 403) and not refused.json()["ok"]


@pytest.mark.parametrize("cards", [10, 1000])
def test_a_new_card_costs_the_same_queries_however_full_the_session(
    live, cards, django_assert_max_num_queries
):
    """A room of phones writes at once: a card's cost must not grow with the board."""
    phone = Client()
    join(phone, live, guest="Kees")
    Reflection.objects.bulk_create(
        Reflection(coalition=live.coalition, session=live, text=f"Vulling {n}", phase="check_in")
        for n in range(cards)
    )
    # The phone, the card (in a savepoint here), and the version with the card's stamp.
    with django_assert_max_num_queries(8):
        answer = post_card(phone, live, "Nog eentje", client_id=str(uuid.uuid4()))
    assert answer.json()["created"] is True
