"""A member owns their data: download it, erase themselves, consent on record, retention."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coalitions.models import AccountSession, Member, TamtamPost
from coalitions.privacy import apply_retention
from pitstops.models import Agreement, QuotationConsent, Reflection
from tests.factories import AgreementFactory, ReflectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ans(world):
    """The resident, signed in, with named words, a tamtam message and an agreement she leads."""
    client = Client()
    client.post(reverse("login"), {"username": "resident", "password": "secret-password"})
    ReflectionFactory(coalition=world.coalition, author=world.resident, text="Mijn woorden")
    TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text="Hoi allen")
    return client


def test_download_holds_everything_with_my_name(ans, world):
    response = ans.get(reverse("coalitions:my_data"), {"format": "json"})
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    membership = data["memberships"][0]
    assert data["account"]["user_name"] == "resident"
    assert membership["name"] == "Ans"
    assert "Mijn woorden" in [r["text"] for r in membership["reflections_with_my_name"]]
    assert "Hoi allen" in [p["text"] for p in membership["tamtam_messages"]]
    assert world.agreement.what in [a["what"] for a in membership["agreements_i_lead"]]
    page = ans.get(reverse("coalitions:my_data"))
    assert "Mijn woorden" in page.text and "Hoi allen" in page.text


def test_download_holds_no_one_elses_words(ans, world):
    ReflectionFactory(coalition=world.coalition, author=world.professional, text="Van Youssef")
    ReflectionFactory(coalition=world.coalition, is_anonymous=True, text="Van niemand")
    body = ans.get(reverse("coalitions:my_data"), {"format": "json"}).content.decode()
    assert "Van Youssef" not in body and "Van niemand" not in body


@pytest.mark.parametrize("words", ["keep", "delete"])
def test_erasing_yourself_removes_the_name_everywhere(ans, world, words, client_for):
    agreement = world.agreement
    other_device = Client()
    other_device.post(reverse("login"), {"username": "resident", "password": "secret-password"})
    assert other_device.get(reverse("home")).status_code == 200
    response = ans.post(reverse("coalitions:erase"), {"words": words, "confirm": "on"})
    assert response["Location"] == reverse("login")
    member = Member.objects.get(pk=world.resident.pk)
    assert (member.name, member.email, member.user, member.is_active) == ("", "", None, False)
    assert not User.objects.filter(username="resident").exists()
    assert not AccountSession.objects.exists()
    assert other_device.get(reverse("home")).status_code == 302  # logged out there too
    kept = Reflection.objects.filter(text="Mijn woorden")
    if words == "keep":
        assert kept.get().author is None and kept.get().is_anonymous
        assert TamtamPost.objects.get(text="Hoi allen").author is None
    else:
        assert not kept.exists() and not TamtamPost.objects.filter(text="Hoi allen").exists()
    # The agreement she led stays, and reads "a former member" (here in English).
    assert Agreement.objects.get(pk=agreement.pk).lead_id == member.pk
    colleague = client_for("professional")
    colleague.cookies["django_language"] = "en"
    home = colleague.get(world.coalition.get_absolute_url()).text
    assert "a former member" in home and "Ans" not in home


def test_erasing_needs_a_clear_yes(ans, world):
    response = ans.post(reverse("coalitions:erase"), {"words": "keep"})
    assert response.status_code == 200
    assert "Vink het vakje aan" in response.text
    assert Member.objects.get(pk=world.resident.pk).name == "Ans"


def test_every_change_of_consent_is_recorded_with_its_time(world):
    reflection = ReflectionFactory(coalition=world.coalition, visibility="quotable")
    reflection.visibility = Reflection.Visibility.COALITION
    reflection.save()
    again = Reflection.objects.get(pk=reflection.pk)
    again.visibility = Reflection.Visibility.QUOTABLE
    again.save()
    again.text = "Anders gezegd"
    again.save()  # not a change of consent
    changes = list(QuotationConsent.objects.filter(reflection=reflection))
    assert [change.given for change in changes] == [True, False, True]
    assert all(change.changed_at for change in changes)


def test_consent_changes_through_the_coalition_space_are_recorded(client_for, world):
    client = client_for("resident")
    url = reverse("coalitions:reflections", args=[world.expedition.slug, world.coalition.slug])
    data = {
        "theme": world.expedition.themes.first().pk,
        "kind": "success",
        "text": "Het buurtfeest was fijn",
        "visibility": "quotable",
    }
    client.post(url, data)
    reflection = Reflection.objects.get(text="Het buurtfeest was fijn")
    edit = reverse(
        "coalitions:reflection_edit",
        args=[world.expedition.slug, world.coalition.slug, reflection.pk],
    )
    client.post(edit, {**data, "visibility": "coalition"})
    assert list(reflection.consent_changes.values_list("given", flat=True)) == [True, False]


def test_retention_anonymises_old_words_and_deletes_old_small_talk(world):
    old = timezone.now() - datetime.timedelta(days=40 * 31)
    named = ReflectionFactory(coalition=world.coalition, author=world.resident)
    Reflection.objects.filter(pk=named.pk).update(created_at=old)
    recent = ReflectionFactory(coalition=world.coalition, author=world.resident)
    chatter = TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text="x")
    TamtamPost.objects.filter(pk=chatter.pk).update(created_at=old)
    done = apply_retention()
    assert done["reflections_anonymised"] == 1 and done["tamtam_messages_deleted"] == 1
    named.refresh_from_db()
    assert named.author is None and named.is_anonymous
    assert Reflection.objects.get(pk=recent.pk).author == world.resident
    # Idempotent: a second run changes nothing more.
    assert set(apply_retention().values()) == {0}
    output = io.StringIO()
    call_command("apply_retention", stdout=output)
    assert "reflections_anonymised: 0" in output.getvalue()


def test_retention_follows_the_setting(world, settings):
    settings.RETENTION_MONTHS = 1
    named = ReflectionFactory(coalition=world.coalition, author=world.resident)
    Reflection.objects.filter(pk=named.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    AgreementFactory(coalition=world.coalition)
    assert apply_retention()["reflections_anonymised"] == 1
