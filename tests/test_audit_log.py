"""Who viewed or exported facilitators-only words and drafts: on record, never the words."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from coalitions.models import AuditEntry
from pitstops.models import Reflection
from tests.factories import ReflectionFactory

pytestmark = pytest.mark.django_db

SECRET = "GEHEIM-voor-begeleiders"


@pytest.fixture
def private_words(world):
    return ReflectionFactory(
        coalition=world.coalition,
        session=world.session,
        text=SECRET,
        visibility=Reflection.Visibility.FACILITATORS,
    )


def pages(world) -> list[str]:
    round_of = {"expedition": world.expedition.slug, "number": world.pitstop.number}
    return [
        world.coalition.get_absolute_url(),
        reverse("pitstops:session_run", args=[world.session.pk]),
        reverse("pitstops:session_summary", args=[world.session.pk]),
        reverse("pitstops:workspace", kwargs=round_of),
        reverse("pitstops:suggestions", kwargs=round_of),
    ]


def test_a_facilitator_reading_private_words_is_on_record(client_for, world, private_words):
    client = client_for("facilitator")
    for url in pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
    assert SECRET in client.get(reverse("pitstops:session_run", args=[world.session.pk])).text
    logged = set(AuditEntry.objects.values_list("username", "action", "path"))
    assert {("facilitator", "view", url) for url in pages(world)} <= logged


def test_exports_of_drafts_are_on_record(client_for, world):
    client = client_for("facilitator")
    url = reverse("pitstops:report_docx", args=[world.expedition.slug, world.pitstop.number])
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="export", path=url, username="facilitator").exists()


def test_the_admin_list_of_reflections_is_on_record(client_for, world, private_words):
    client_for("superuser").get(reverse("admin:pitstops_reflection_changelist"))
    assert AuditEntry.objects.filter(username="superuser", page="admin:reflections").exists()


def test_polls_and_members_leave_no_record(client_for, world, private_words):
    client_for("facilitator").get(
        reverse("pitstops:session_run", args=[world.session.pk]), headers={"HX-Request": "true"}
    )
    member = Client()
    member.force_login(world.user("resident"))
    member.get(world.coalition.get_absolute_url())
    assert not AuditEntry.objects.exists()


def test_the_log_never_holds_the_words(client_for, world, private_words):
    client = client_for("facilitator")
    for url in pages(world):
        client.get(url, {"q": SECRET})  # even a search for them
    assert AuditEntry.objects.exists()
    for entry in AuditEntry.objects.values():
        assert SECRET not in " ".join(str(value) for value in entry.values())


def test_only_superusers_read_the_log_and_nobody_changes_it(client_for, world, private_words):
    client_for("facilitator").get(world.coalition.get_absolute_url())
    entry = AuditEntry.objects.get()
    url = reverse("admin:coalitions_auditentry_changelist")
    assert client_for("superuser").get(url).status_code == 200
    change = reverse("admin:coalitions_auditentry_change", args=[entry.pk])
    client_for("superuser").post(change, {"username": "iemand anders"})
    assert AuditEntry.objects.get().username == "facilitator"
    delete = reverse("admin:coalitions_auditentry_delete", args=[entry.pk])
    assert client_for("superuser").post(delete, {"post": "yes"}).status_code == 403
    for role in ("facilitator", "coordinator", "resident"):
        assert client_for(role).get(url).status_code == 302  # to the admin's log-in
