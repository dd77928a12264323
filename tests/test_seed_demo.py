"""The demo expedition: complete, realistic, and loading it twice changes nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coalitions.demo import ACCOUNTS, DEMO_PASSWORD, UPCOMING_PITSTOP, upcoming_session
from coalitions.models import Coalition, Member
from pitstops.models import Agreement, CompassRating, RedThread, Reflection, Session

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("coalitions", "pitstops", "auth")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def demo():
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    return output.getvalue()


def test_seed_demo_is_idempotent(demo):
    before = row_counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == before


def test_seed_demo_prints_every_demo_log_in(demo):
    assert DEMO_PASSWORD in demo
    for account in ACCOUNTS:
        assert account.username in demo


def test_every_demo_account_can_log_in(demo):
    for account in ACCOUNTS:
        client = Client()
        response = client.post(
            reverse("login"), {"username": account.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        assert "_auth_user_id" in client.session, account.username


def test_five_coalitions_with_six_to_ten_members_of_both_roles(demo):
    coalitions = Coalition.objects.order_by("name")
    assert [c.name for c in coalitions] == [
        "Apeldoorn",
        "Horst aan de Maas",
        "Utrecht",
        "Voorst",
        "Wageningen",
    ]
    for coalition in coalitions:
        roles = list(coalition.members.values_list("role", flat=True))
        assert 6 <= len(roles) <= 10, coalition
        assert set(roles) == {Member.Role.RESIDENT, Member.Role.PROFESSIONAL}, coalition
        assert coalition.sessions.filter(pitstop__number=1).count() == 1


def test_reflections_cover_every_theme_kind_and_visibility(demo):
    reflections = Reflection.objects.exclude(theme=None)
    assert reflections.values("theme__key").distinct().count() == 5
    combinations = set(reflections.values_list("kind", "visibility"))
    assert combinations == {
        (kind, visibility) for kind in Reflection.Kind for visibility in Reflection.Visibility
    }
    assert reflections.filter(is_anonymous=True, author__isnull=True).exists()


def test_agreements_compass_and_published_red_threads(demo):
    assert set(Agreement.objects.values_list("status", flat=True)) == set(Agreement.Status)
    assert {agreement.lead_role for agreement in Agreement.objects.select_related("lead")} == {
        Member.Role.RESIDENT,
        Member.Role.PROFESSIONAL,
    }
    # Every member rated the compass at each of the three held pitstops.
    assert CompassRating.objects.count() == 3 * Member.objects.count()
    threads = RedThread.objects.published()
    assert threads.filter(pitstop__number=1).count() == 5
    # The workspace has unfinished work to show: one red thread in review, with evidence.
    assert RedThread.objects.filter(
        status=RedThread.Status.IN_REVIEW, evidence__isnull=False
    ).exists()
    for thread in threads:
        evidence = thread.evidence.all()
        assert evidence.exists()
        assert all(quote.visibility == Reflection.Visibility.QUOTABLE for quote in evidence)


def test_demo_accounts_have_their_roles(demo):
    users = get_user_model().objects
    assert users.get(username="begeleider").facilitated_expeditions.exists()
    assert users.get(username="coordinator").coordinated_expeditions.exists()
    assert users.get(username="bewoner").memberships.get().role == Member.Role.RESIDENT
    assert users.get(username="beroepskracht").memberships.get().role == Member.Role.PROFESSIONAL
    assert users.get(username="beheerder").is_superuser


def test_the_demo_accounts_are_refused_under_production_settings(db, settings):
    """Published passwords, a superuser among them, have no place on a real server."""
    from django.core.management.base import CommandError

    settings.DEMO_ACCOUNTS_ALLOWED = False  # as in production.py
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Coalition.objects.exists()


def test_the_demo_shows_a_journey_of_three_held_pitstops_and_a_fourth_planned(demo):
    """Some coalitions move from voor to met bewoners, one slips back under pressure."""
    for coalition in Coalition.objects.all():
        held = coalition.sessions.filter(status=Session.Status.CLOSED)
        assert sorted(held.values_list("pitstop__number", flat=True)) == [1, 2, 3], coalition
    assert upcoming_session().status == Session.Status.PLANNED
    assert upcoming_session().pitstop.number == UPCOMING_PITSTOP == 4

    def most_given_rung(slug: str, number: int) -> str:
        rungs = CompassRating.objects.filter(
            session__coalition__slug=slug, session__pitstop__number=number
        ).values_list("rung", flat=True)
        return Counter(rungs).most_common(1)[0][0]

    Rung = CompassRating.Rung
    assert [most_given_rung("apeldoorn", n) for n in (1, 2, 3)] == [Rung.FOR, Rung.WITH, Rung.WITH]
    assert [most_given_rung("voorst", n) for n in (1, 2, 3)] == [Rung.FOR, Rung.WITH, Rung.FOR]
    assert most_given_rung("wageningen", 1) == Rung.ON_BEHALF_OF
    # Agreements were kept and dropped; later red threads continue earlier ones, published.
    statuses = set(
        Agreement.objects.filter(origin_session__pitstop__number=2).values_list("status", flat=True)
    )
    assert {Agreement.Status.DONE, Agreement.Status.DROPPED} <= statuses
    for number in (2, 3):
        threads = RedThread.objects.published().filter(pitstop__number=number)
        assert threads.count() == 3
        assert all(thread.continues is not None for thread in threads)
        for thread in threads:
            quotes = list(thread.evidence.values_list("text", flat=True))
            assert quotes and len(set(quotes)) == len(quotes), thread  # no quote twice


def test_the_later_pitstops_held_a_round_of_change_stories_with_a_chosen_story(demo, client):
    """Each coalition told stories of change at pitstops 2 and 3 and chose one, with why;
    the first pitstop had no earlier one to tell about."""
    for session in Session.objects.filter(status=Session.Status.CLOSED):
        stories = session.reflections.filter(phase=Session.Phase.CHANGE)
        if session.pitstop.number == 1:
            assert not session.has_change_round and not stories.exists()
            continue
        assert session.has_change_round, session
        assert stories.count() == 2, session
        assert session.chosen_story in stories and session.chosen_story_why, session
        # Quotable, so the report may tell it; the group's words are the writer's to share.
        assert session.chosen_story.visibility == Reflection.Visibility.QUOTABLE
    session = Session.objects.get(coalition__slug="voorst", pitstop__number=3)
    client.force_login(get_user_model().objects.get(username="begeleider"))
    response = client.get(
        reverse(
            "pitstops:journey",
            kwargs={"expedition": session.pitstop.expedition.slug, "slug": "voorst"},
        )
    )
    assert session.chosen_story.text in response.content.decode()
    assert session.chosen_story_why in response.content.decode()
