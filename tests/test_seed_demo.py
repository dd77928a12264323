"""The demo expedition: complete, realistic, and loading it twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coalitions.demo import ACCOUNTS, DEMO_PASSWORD
from coalitions.models import Coalition, Member
from pitstops.models import Agreement, CompassRating, RedThread, Reflection

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
    assert CompassRating.objects.count() == Member.objects.count()
    threads = RedThread.objects.published()
    assert threads.count() == 5
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
