"""Who may change a session: only its facilitators (and superusers); others get 404.

The GET side of these URLs is in the permission matrix (tests/pitstops/cases.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from pitstops.models import JoinRequest, Session
from tests.conftest import ROLES

from .cases import join_request

RUNS = {"facilitator", "superuser"}


def posts(w):
    session = w.session.pk
    return [
        (
            reverse("pitstops:join_request_decide", kwargs=join_request(w)),
            {"action": "refuse"},
        ),
        (reverse("pitstops:session_control", args=[session]), {"action": "open"}),
        (reverse("pitstops:card_action", args=[session, w.card.pk]), {"action": "hold_back"}),
        (reverse("pitstops:group_add", args=[session]), {"name": "Groep"}),
        (reverse("pitstops:scribe", args=[session]), {"text": "Notitie", "kind": "observation"}),
        (reverse("pitstops:agreement_add", args=[session]), {"what": "Iets"}),
        (
            reverse("pitstops:agreement_review", args=[session, w.agreement.pk]),
            {"status": "done", "outcome": ""},
        ),
        (
            reverse("pitstops:session_create", args=[w.expedition.slug]),
            {"pitstop": w.draft_pitstop.pk, "coalition": w.coalition.pk, "held_on": "2027-01-01"},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_change_a_session(client_for, world, role):
    client = client_for(role)
    for url, data in posts(world):
        response = client.post(url, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/inloggen/" in response["Location"], url
        elif role in RUNS:
            assert response.status_code == 302, url
        else:
            assert response.status_code == 404, (role, url)
    opened = Session.objects.get(pk=world.session.pk).is_open
    assert opened == (role in RUNS)
    refused = JoinRequest.objects.get(pk=world.join_request.pk).status == "refused"
    assert refused == (role in RUNS)


def test_a_facilitator_of_the_expedition_not_on_this_session_cannot_run_it(client, world):
    world.session.facilitators.clear()
    client.force_login(world.user("facilitator"))
    assert client.get(reverse("pitstops:session_run", args=[world.session.pk])).status_code == 404
    # ...but may read its summary, as facilitator of the expedition.
    url = reverse("pitstops:session_summary", args=[world.session.pk])
    assert client.get(url).status_code == 200


def test_a_participant_of_one_session_cannot_post_into_another(client, world):
    from tests.factories import SessionFactory

    from .live_helpers import join, post_card

    other = SessionFactory(pitstop=world.draft_pitstop, coalition=world.other_coalition)
    other.open()
    world.session.open()
    join(client, world.session, guest="Kees")
    response = post_card(client, other, "Verkeerde sessie")
    assert response.status_code == 403
    assert not other.reflections.exists()


def test_a_facilitator_cannot_reach_other_objects_through_their_own_session(
    client, world, other_world
):
    """Cards, agreements and join requests of another session, coalition or expedition, put in
    the URL of a session this facilitator runs: 404, and nothing changes."""
    from pitstops.models import Agreement, Reflection

    client.force_login(world.user("facilitator"))
    session = world.session.pk
    foreign_request = JoinRequest.objects.create(
        session=other_world.session, member=other_world.resident
    )
    neighbour_agreement = Agreement.objects.create(
        coalition=world.other_coalition, what="Bij de buren"
    )
    for url, data in [
        (
            reverse("pitstops:card_action", args=[session, other_world.card.pk]),
            {"action": "hold_back"},
        ),
        (
            reverse("pitstops:agreement_review", args=[session, other_world.agreement.pk]),
            {"status": "done", "outcome": ""},
        ),
        (
            reverse("pitstops:agreement_review", args=[session, neighbour_agreement.pk]),
            {"status": "done", "outcome": ""},
        ),
        (
            reverse("pitstops:join_request_decide", args=[session, foreign_request.pk]),
            {"action": "let_in"},
        ),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert not Reflection.objects.get(pk=other_world.card.pk).is_held_back
    assert not Agreement.objects.filter(status="done").exists()
    assert JoinRequest.objects.get(pk=foreign_request.pk).is_pending
