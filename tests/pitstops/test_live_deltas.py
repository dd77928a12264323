"""Updates that do not grow with the board: a screen that says which version it shows gets a
304, only what changed since (a delta), or, after a change of layout, the whole fragment.

Through real HTTP, as session.js polls: `HX-Request` and `X-Live-Version`.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pitstops import live as live_rules
from pitstops.models import Participant, Reflection, Session, WithdrawnCard
from pitstops.models.sessions import DELTA_VERSIONS

from .live_helpers import control, join, post_card

RUN, BOARD, PHONE = "pitstops:session_run", "pitstops:session_board", "pitstops:participate"


@pytest.fixture
def live(world, client):
    """An opened session in the reflect phase, a logged-in facilitator, and a phone."""
    client.force_login(world.user("facilitator"))
    control(client, world.session, "open")
    control(client, world.session, "go_to", phase="reflect")
    world.session.refresh_from_db()
    return world.session


# The clock of the phones' shared renderings (at most one a second), held still by `clock`;
# `poll` moves it on a second before a phone's poll, unless told not to.
NOW = [0.0]


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    from pitstops.views import taking_part

    NOW[0] = 1_000_000.0
    monkeypatch.setattr(taking_part.time, "time", lambda: NOW[0])
    return NOW


@pytest.fixture
def phone(live):
    phone = Client()
    join(phone, live, guest="Kees")
    return phone


def version_of(session: Session) -> int:
    session.refresh_from_db()
    return session.version


def poll(client: Client, session: Session, name: str, version: int | None, *, later=True):
    """A poll as session.js sends it: the version the screen shows, if any. A phone's poll
    comes a second `later` than the one before, past the shared renderings' second."""
    if name == PHONE and later:
        NOW[0] += 1.1
    headers = {"HX-Request": "true"}
    if version is not None:
        headers["X-Live-Version"] = str(version)
    params = {"state": f"{session.phase}-{session.status}"} if name == PHONE else {}
    return client.get(reverse(name, args=[session.pk]), params, headers=headers)


def is_delta(response) -> bool:
    return response.status_code == 200 and response.get("X-Live-Delta") == "true"


def shown(response) -> int:
    """The version a fragment or delta says it brings the screen to."""
    return int(re.search(r'data-live-version="(\d+)"', response.text).group(1))


def write(session: Session, text: str, **fields) -> Reflection:
    """A card as a phone writes it, through the rules in pitstops.live."""
    participant = Participant.objects.filter(session=session).first() or live_rules.join(
        session, guest_name="Mia"
    )
    card, _created = live_rules.post_card(
        session,
        participant,
        writer_secret="x" * 43,
        text=text,
        kind=fields.get("kind", "observation"),
        visibility=fields.get("visibility", "coalition"),
        is_anonymous=False,
        theme=session.current_theme,
        client_id=uuid.uuid4(),
    )
    return card


def shown_at_once(session: Session, world, text: str) -> Reflection:
    """A card the facilitator types: on the board and the phones at once, in any phase."""
    return live_rules.scribe_card(
        session,
        facilitator=world.user("facilitator"),
        text=text,
        kind="observation",
        theme=session.current_theme,
        member=None,
        photo=None,
    )


# --- 304 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [RUN, BOARD])
def test_a_screen_at_the_current_version_gets_a_304_in_one_read(live, client, name):
    version = version_of(live)
    with CaptureQueriesContext(connection) as queries:
        response = poll(client, live, name, version)
    assert response.status_code == 304
    assert len(queries) <= 3  # session, user, version with the right to see it
    assert "no-store" in response["Cache-Control"]


def test_a_304_tells_an_outsider_nothing(live, world):
    outsider = Client()
    outsider.force_login(world.user("coordinator"))
    response = poll(outsider, live, BOARD, version_of(live))
    assert response.status_code == 404


def test_a_phone_at_the_current_version_gets_a_304_without_a_database_read(live, phone):
    poll(phone, live, PHONE, None)  # the state is in the shared cache from here on
    version = version_of(live)
    with CaptureQueriesContext(connection) as queries:
        response = poll(phone, live, PHONE, version)
    assert response.status_code == 304
    assert len(queries) == 0


# --- What a delta carries -------------------------------------------------------------------


def test_a_new_card_comes_alone_into_its_theme(live, client, phone):
    before = write(live, "Een kaart van eerder")
    version = version_of(live)
    post_card(phone, live, "Een nieuwe kaart", theme=live.current_theme_id)
    card = Reflection.objects.get(text="Een nieuwe kaart")
    response = poll(client, live, RUN, version)
    assert is_delta(response)
    assert f'data-live-into="cards-theme-{live.current_theme_id}"' in response.text
    assert f'id="card-{card.pk}"' in response.text
    assert "Een nieuwe kaart" in response.text
    assert "Een kaart van eerder" not in response.text and f"card-{before.pk}" not in response.text
    assert shown(response) == version_of(live)
    assert 'id="live-header"' in response.text and 'id="live-join-requests"' in response.text
    # With its form: the facilitator can hold it back from the delta's card.
    assert reverse("pitstops:card_action", args=[live.pk, card.pk]) in response.text
    assert "no-store" in response["Cache-Control"]


def test_a_changed_card_is_sent_again_and_a_withdrawn_one_only_by_its_id(live, client, phone):
    post_card(phone, live, "Eerste versie", theme=live.current_theme_id)
    card = Reflection.objects.get(text="Eerste versie")
    version = version_of(live)
    fields = {"kind": "observation", "visibility": "coalition", "theme": live.current_theme_id}
    url = reverse("pitstops:card_change", args=[live.pk, card.pk])
    phone.post(url, {"action": "edit", "text": "Tweede versie", **fields})
    changed = poll(client, live, RUN, version)
    assert is_delta(changed)
    assert f'id="card-{card.pk}"' in changed.text and "Tweede versie" in changed.text

    version = version_of(live)
    phone.post(url, {"action": "withdraw"})
    withdrawn = poll(client, live, RUN, version)
    assert is_delta(withdrawn)
    assert f'data-live-remove="card-{card.pk}"' in withdrawn.text
    assert "Tweede versie" not in withdrawn.text
    # The tombstone holds the id and the version, never the words.
    tombstone = WithdrawnCard.objects.get(card_pk=card.pk)
    assert tombstone.version == version + 1
    assert "Tweede versie" not in str(list(WithdrawnCard.objects.values()))


def test_a_mark_sends_the_card_again_with_its_count(live, client, phone):
    post_card(phone, live, "Dit raakt", theme=live.current_theme_id)
    control(client, live, "reveal")
    control(client, live, "go_to", phase="resonance")
    card = Reflection.objects.get(text="Dit raakt")
    version = version_of(live)
    phone.post(reverse("pitstops:mark", args=[live.pk, card.pk]))
    for name in (RUN, BOARD):
        response = poll(client, live, name, version)
        assert is_delta(response), name
        assert f'id="card-{card.pk}"' in response.text
        assert "1 ster" in response.text, name


def test_a_grouped_card_moves_to_its_group_on_the_board(live, client, phone):
    post_card(phone, live, "Bij elkaar", theme=live.current_theme_id)
    control(client, live, "reveal")
    control(client, live, "go_to", phase="share")
    client.post(reverse("pitstops:group_add", args=[live.pk]), {"name": "Samen"})
    group = live.groups.get()
    card = Reflection.objects.get(text="Bij elkaar")
    version = version_of(live)
    client.post(
        reverse("pitstops:card_action", args=[live.pk, card.pk]),
        {"action": "group", "group": group.pk},
    )
    board = poll(client, live, BOARD, version)
    assert is_delta(board)
    assert f'data-live-into="cards-group-{group.pk}"' in board.text
    run = poll(client, live, RUN, version)  # the run page keeps its themes, with the group chosen
    assert f'data-live-into="cards-theme-{card.theme_id}"' in run.text
    assert f'<option value="{group.pk}" selected>' in run.text


def test_the_small_sections_come_with_every_delta(live, client, world):
    version = version_of(live)
    asking = Client()
    join(asking, live, member=world.resident)
    join_request = live_rules.ask_to_join(live, world.resident)
    response = poll(client, live, RUN, version)
    assert is_delta(response)
    assert reverse("pitstops:join_request_decide", args=[live.pk, join_request.pk]) in (
        response.text
    )
    assert re.search(r"[12] (deelnemers?|participants?)", response.text)


def test_markup_typed_on_a_card_comes_as_text_in_a_delta(live, client, phone):
    version = version_of(live)
    typed = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    post_card(phone, live, typed, theme=live.current_theme_id)
    response = poll(client, live, RUN, version)
    assert is_delta(response)
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# --- Privacy: the board and the phones never get what they may not show ---------------------


def test_the_board_delta_leaves_out_unrevealed_held_back_and_private_cards(live, client, phone):
    version = version_of(live)
    post_card(phone, live, "Nog niet onthuld", theme=live.current_theme_id)
    post_card(
        phone,
        live,
        "Alleen voor begeleiders",
        theme=live.current_theme_id,
        visibility="facilitators",
    )
    board = poll(client, live, BOARD, version)
    assert is_delta(board)
    assert "Nog niet onthuld" not in board.text and "Alleen voor begeleiders" not in board.text
    run = poll(client, live, RUN, version)
    assert "Nog niet onthuld" in run.text and "Alleen voor begeleiders" in run.text

    hurtful = write(live, "Kwetsend")
    live_rules.hold_back(live, hurtful, held_back=True)
    version = version_of(live)
    control(client, live, "reveal")
    board = poll(client, live, BOARD, version)
    assert is_delta(board)
    assert "Nog niet onthuld" in board.text
    assert "Kwetsend" not in board.text and "Alleen voor begeleiders" not in board.text


@pytest.mark.parametrize("name", [BOARD, PHONE])
def test_a_card_held_back_after_the_reveal_leaves_the_board_and_the_phones(
    live, client, phone, name
):
    post_card(phone, live, "Toch te scherp", theme=live.current_theme_id)
    control(client, live, "reveal")
    card = Reflection.objects.get(text="Toch te scherp")
    version = version_of(live)
    client.post(reverse("pitstops:card_action", args=[live.pk, card.pk]), {"action": "hold_back"})
    viewer = client if name == BOARD else phone
    response = poll(viewer, live, name, version)
    assert is_delta(response)
    assert f'data-live-remove="card-{card.pk}"' in response.text
    assert "Toch te scherp" not in response.text
    # Released again: back on the board.
    version = version_of(live)
    client.post(reverse("pitstops:card_action", args=[live.pk, card.pk]), {"action": "release"})
    response = poll(viewer, live, name, version)
    assert "Toch te scherp" in response.text


def test_a_card_made_private_by_its_writer_leaves_the_board(live, client, phone):
    post_card(phone, live, "Beter niet voor iedereen", theme=live.current_theme_id)
    control(client, live, "reveal")
    card = Reflection.objects.get(text="Beter niet voor iedereen")
    version = version_of(live)
    phone.post(
        reverse("pitstops:card_change", args=[live.pk, card.pk]),
        {
            "action": "edit",
            "text": "Beter niet voor iedereen",
            "kind": "observation",
            "visibility": "facilitators",
            "theme": live.current_theme_id,
        },
    )
    board = poll(client, live, BOARD, version)
    assert f'data-live-remove="card-{card.pk}"' in board.text
    assert "Beter niet voor iedereen" not in board.text


def test_the_phones_delta_is_shared_and_shows_only_the_groups_cards(live, client, phone):
    other = Client()
    join(other, live, guest="Mia")
    version = version_of(live)
    post_card(phone, live, "Onthuld en gedeeld", theme=live.current_theme_id)
    post_card(phone, live, "Nog stil geschreven", theme=live.current_theme_id)
    first = poll(phone, live, PHONE, version)
    assert is_delta(first)
    assert "Onthuld en gedeeld" not in first.text  # written in silence, not shown yet
    control(client, live, "reveal")
    first = poll(phone, live, PHONE, version)
    assert is_delta(first)
    assert "Onthuld en gedeeld" in first.text and "Nog stil geschreven" in first.text
    assert "csrfmiddlewaretoken" not in first.text  # the same for every phone
    with CaptureQueriesContext(connection) as queries:
        second = poll(other, live, PHONE, version, later=False)
    assert second.text == first.text
    # The participant's cookie, the session's state and the delta: all from the cache.
    assert len(queries) == 0


def test_after_a_large_reveal_phones_share_the_whole_fragment(live, client, phone):
    """Phones come from many versions; a delta of nearly every card for each would cost a
    rendering per version, the whole fragment one for all of them."""
    from pitstops.views.taking_part import SHARED_DELTA_MAX_CARDS

    version = version_of(live)
    for number in range(SHARED_DELTA_MAX_CARDS + 1):
        write(live, f"Stil geschreven {number}")
    control(client, live, "reveal")
    response = poll(phone, live, PHONE, version)
    assert response.status_code == 200 and not is_delta(response)
    assert response.text.count("Stil geschreven") == SHARED_DELTA_MAX_CARDS + 1
    assert shown(response) == version_of(live)
    # A few cards still come as a delta.
    version = version_of(live)
    write(live, "Nog eentje")
    live_rules.hold_back(live, Reflection.objects.get(text="Nog eentje"), held_back=False)
    assert is_delta(poll(phone, live, PHONE, version))


def test_phones_polling_during_a_burst_meet_at_the_same_versions(live, world, phone):
    other = Client()
    join(other, live, guest="Mia")
    version = version_of(live)
    shown_at_once(live, world, "Eerste van veel")
    first = poll(phone, live, PHONE, version)
    reached = shown(first)
    shown_at_once(live, world, "Tweede van veel")
    # Within the second: the other phone gets the same delta, and the first one, already as far
    # as phones are taken now, a 304.
    assert poll(other, live, PHONE, version, later=False).text == first.text
    assert poll(phone, live, PHONE, reached, later=False).status_code == 304
    # A second later the newest version is taken: the second card comes.
    later = poll(phone, live, PHONE, reached)
    assert is_delta(later) and "Tweede van veel" in later.text
    assert "Eerste van veel" not in later.text


# --- The whole fragment, when a delta cannot do ---------------------------------------------


@pytest.mark.parametrize("name", [RUN, BOARD, PHONE])
def test_without_a_version_the_screen_gets_the_whole_fragment(live, client, phone, name):
    write(live, "Een kaart")
    viewer = phone if name == PHONE else client
    response = poll(viewer, live, name, None)
    assert response.status_code == 200 and not is_delta(response)
    assert "ETag" in response and "no-cache" in response["Cache-Control"]
    assert 'id="live-header"' in response.text


@pytest.mark.parametrize(
    "change",
    [
        lambda session, client: control(client, session, "go_to", phase="share"),
        lambda session, client: control(client, session, "phase_later", phase="share"),
        lambda session, client: client.post(
            reverse("pitstops:group_add", args=[session.pk]), {"name": "Nieuw"}
        ),
        lambda session, client: control(client, session, "theme", theme=session.themes.last().pk),
        lambda session, client: control(client, session, "close"),
    ],
    ids=["phase", "phase-order", "group", "theme", "close"],
)
def test_a_change_of_layout_sends_the_whole_fragment(live, client, change):
    write(live, "Al op het bord")
    version = version_of(live)
    change(live, client)
    for name in (RUN, BOARD):
        response = poll(client, live, name, version)
        assert response.status_code == 200 and not is_delta(response), name
        assert "Al op het bord" in poll(client, live, RUN, version).text
        assert shown(response) == version_of(live)


def test_a_run_page_hundreds_of_versions_behind_still_gets_a_delta(live, client):
    """A room of 200 phones writing makes some 100 versions a second, so a run page that polls
    every second on a busy server is hundreds of versions behind: it gets what changed, not the
    whole board again (which was 900 KB at 1,000 cards)."""
    version = version_of(live)
    write(live, "Een kaart")
    Session.objects.filter(pk=live.pk).update(version=version + 500)
    response = poll(client, live, RUN, version)
    assert is_delta(response) and "Een kaart" in response.text
    assert shown(response) == version + 500


def test_a_screen_too_far_behind_or_ahead_gets_the_whole_fragment(live, client):
    version = version_of(live)
    write(live, "Een kaart")
    assert is_delta(poll(client, live, RUN, version))
    Session.objects.filter(pk=live.pk).update(version=version + DELTA_VERSIONS + 5)
    assert not is_delta(poll(client, live, RUN, version))
    assert not is_delta(poll(client, live, RUN, version + DELTA_VERSIONS + 99))


def test_opening_the_session_sends_the_whole_fragment(world, client):
    client.force_login(world.user("facilitator"))
    version = version_of(world.session)
    control(client, world.session, "open")
    response = poll(client, world.session, RUN, version)
    assert response.status_code == 200 and not is_delta(response)


def test_old_tombstones_are_cleared(live):
    card = write(live, "Weg ermee")
    live_rules.withdraw_card(live, card)
    assert WithdrawnCard.objects.filter(session=live).count() == 1
    Session.objects.filter(pk=live.pk).update(version=live.version + DELTA_VERSIONS)
    live.refresh_from_db()
    live_rules.withdraw_card(live, write(live, "Ook weg"))
    assert not WithdrawnCard.objects.filter(card_pk=card.pk).exists()
    assert WithdrawnCard.objects.filter(session=live).count() == 1


def test_erasing_a_member_during_a_session_redraws_every_screen(live, client, world):
    from coalitions.privacy import erase_account

    phone = Client()
    join(phone, live, member=world.resident)
    post_card(phone, live, "Mijn woorden", theme=live.current_theme_id)
    version = version_of(live)
    erase_account(world.user("resident"), keep_words=False)
    response = poll(client, live, RUN, version)
    assert not is_delta(response) and "Mijn woorden" not in response.text


# --- What a delta costs does not grow with the board -----------------------------------------


def fill(session: Session, cards: int) -> None:
    """Revealed cards in the current theme, up to `cards` in the session."""
    participant, _ = Participant.objects.get_or_create(session=session, guest_name="Vulling")
    existing = session.reflections.count()
    Reflection.objects.bulk_create(
        Reflection(
            coalition=session.coalition,
            session=session,
            theme=session.current_theme,
            participant=participant,
            text=f"Kaart {number}",
            phase="reflect",
            revealed_at=session.opened_at,
        )
        for number in range(existing, cards)
    )


# In the resonance phase each phone gets its own whole fragment (its marks): no delta to count.
DELTA_SCREENS_BY_PHASE = [
    (name, phase)
    for phase in ("reflect", "resonance", "agreements", "compass")
    for name in (RUN, BOARD, PHONE)
    if not (name == PHONE and phase == "resonance")
]


@pytest.mark.parametrize(("name", "phase"), DELTA_SCREENS_BY_PHASE)
def test_a_delta_costs_the_same_queries_at_10_and_300_cards(
    live, world, client, phone, name, phase, django_assert_max_num_queries
):
    control(client, live, "go_to", phase=phase)
    live.refresh_from_db()
    viewer = phone if name == PHONE else client
    counts = []
    for cards in (10, 300):
        fill(live, cards)
        version = version_of(live)
        shown_at_once(live, world, f"Nieuw bij {cards}")
        with django_assert_max_num_queries(16) as captured:
            response = poll(viewer, live, name, version)
        assert is_delta(response), (name, phase)
        assert response.text.count("live-card") <= 1
        assert len(response.content) < 8_000
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_another_phones_client_id_brings_back_none_of_its_words(live, phone):
    """A stored card's answer carries the card under "My cards": never to a phone that sends
    the client id of a card another phone wrote (anonymously)."""
    client_id = str(uuid.uuid4())
    mine = post_card(
        phone,
        live,
        "Alleen van Kees",
        theme=live.current_theme_id,
        is_anonymous="on",
        client_id=client_id,
    )
    assert mine.json()["ok"] and "Alleen van Kees" in mine.json()["html"]
    other = Client()
    join(other, live, guest="Mia")
    answer = post_card(other, live, "Iets anders", theme=live.current_theme_id, client_id=client_id)
    assert answer.json()["ok"] and answer.json()["created"] is False
    assert "Alleen van Kees" not in answer.text
    assert answer.json()["html"] == ""
    assert Reflection.objects.filter(client_id=client_id).count() == 1
