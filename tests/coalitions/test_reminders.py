"""send_reminders and the lead's one-tap answer without logging in."""

from __future__ import annotations

import datetime
import io
import re
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coalitions import reminders
from coalitions.models import AgreementReminder, HelpRequest
from pitstops.models import Agreement
from tests.factories import AgreementFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def lead(world):
    world.resident.email = "ans@example.org"
    world.resident.save()
    return world.resident


def run(capture) -> str:
    output = io.StringIO()
    with capture(execute=True):
        call_command("send_reminders", "--base-url", "https://pitstop.example", stdout=output)
    return output.getvalue()


def link_in(message) -> str:
    return re.search(r"https://pitstop\.example(/herinnering/[^\s]+/)", message.body).group(1)


def test_leads_of_due_and_overdue_agreements_get_one_mail_each(
    world, lead, today, django_capture_on_commit_callbacks
):
    due = AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today + datetime.timedelta(days=7)
    )
    late = AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today - datetime.timedelta(days=1)
    )
    AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today + datetime.timedelta(days=8)
    )
    AgreementFactory(coalition=world.coalition, lead=lead, due_on=today, status="done")
    AgreementFactory(coalition=world.coalition, lead=None, due_on=today)
    no_address = MemberFactory(coalition=world.coalition, email="")
    AgreementFactory(coalition=world.coalition, lead=no_address, due_on=today)
    assert "Reminders sent: 2" in run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert {message.to[0] for message in mail.outbox} == {"ans@example.org"}
    assert AgreementReminder.objects.count() == 2  # the lead without an address: no row yet
    kinds = dict(AgreementReminder.objects.values_list("agreement_id", "kind"))
    assert kinds == {due.pk: "due_soon", late.pk: "overdue"}
    assert all(due.what in m.body or late.what in m.body for m in mail.outbox)


def test_send_reminders_is_idempotent(world, lead, today, django_capture_on_commit_callbacks):
    AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today + datetime.timedelta(days=3)
    )
    run(django_capture_on_commit_callbacks)
    assert "Reminders sent: 0" in run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert AgreementReminder.objects.count() == 1


def test_a_new_state_earns_a_new_reminder(world, lead, today, django_capture_on_commit_callbacks):
    agreement = AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today + datetime.timedelta(days=3)
    )
    run(django_capture_on_commit_callbacks)
    with mock.patch(
        "coalitions.reminders.timezone.localdate", return_value=today + datetime.timedelta(days=4)
    ):
        run(django_capture_on_commit_callbacks)
        run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert set(agreement.reminders.values_list("kind", flat=True)) == {"due_soon", "overdue"}


def test_the_link_swaps_its_token_for_a_session_and_changes_nothing(
    client, world, lead, today, django_capture_on_commit_callbacks
):
    agreement = AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("coalitions:reminder_answer")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert agreement.what in page.text
    for answer in ("done", "not_yet", "help"):
        assert f'value="{answer}"' in page.text
    agreement.refresh_from_db()
    assert agreement.status == "open"
    assert not AgreementReminder.objects.exclude(answer="").exists()


@pytest.mark.parametrize(
    ("answer", "status", "helps"),
    [("done", "done", 0), ("not_yet", "open", 0), ("help", "open", 1)],
)
def test_one_tap_answers(
    client, world, lead, today, django_capture_on_commit_callbacks, answer, status, helps
):
    agreement = AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    client.get(link)
    response = client.post(
        reverse("coalitions:reminder_answer"), {"answer": answer, "note": "Graag"}
    )
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == status
    assert HelpRequest.objects.open().filter(agreement=agreement).count() == helps
    assert AgreementReminder.objects.get().answer == answer
    # Single use: the link and the page now say so, and nothing changes again.
    again = client.get(link)
    assert again.status_code == 400
    assert "already answered" in again.text
    again = client.post(reverse("coalitions:reminder_answer"), {"answer": "done"})
    assert again.status_code == 400
    agreement.refresh_from_db()
    assert agreement.status == status


def test_help_from_a_reminder_shows_on_the_coalition_home(
    client, client_for, world, lead, today, django_capture_on_commit_callbacks
):
    agreement = AgreementFactory(
        coalition=world.coalition, lead=lead, due_on=today, what="Buurtfeest regelen"
    )
    run(django_capture_on_commit_callbacks)
    client.get(link_in(mail.outbox[0]))
    client.post(reverse("coalitions:reminder_answer"), {"answer": "help", "note": "Wie bakt?"})
    for role in ("professional", "facilitator"):
        html = client_for(role).get(world.coalition.get_absolute_url()).text
        assert "Help asked" in html and "Wie bakt?" in html and agreement.what in html


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps({"reminder": 1, "lead": 1}, salt="another.purpose"),
        signing.dumps({"reminder": 999, "lead": 1}, salt=reminders.REMINDER_SALT),
    ],
)
def test_forged_tokens_get_a_clear_page(client, world, token):
    response = client.get(reverse("coalitions:reminder_link", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This link is not valid." in response.text


@pytest.mark.parametrize(
    ("age", "works"),
    [
        (datetime.timedelta(days=13, hours=23), True),
        (datetime.timedelta(days=14, minutes=1), False),
    ],
)
def test_links_work_for_14_days(
    client, world, lead, today, django_capture_on_commit_callbacks, age, works
):
    """Fourteen days, written out here: a test with the module's own constant would pass
    whatever the constant says."""
    AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    later = timezone.now() + age
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.get(link)
    if works:
        assert response.status_code == 302
    else:
        assert response.status_code == 400
        assert "expired" in response.text


def test_a_link_opened_twice_is_answered_once(
    world, lead, today, django_capture_on_commit_callbacks
):
    """Two tabs (or two phones) opened the link before either answered: the second answer is
    refused, so the link is single-use even then."""
    agreement = AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    first, second = Client(), Client()
    first.cookies["django_language"] = second.cookies["django_language"] = "en"
    assert first.get(link).status_code == 302
    assert second.get(link).status_code == 302
    answer = reverse("coalitions:reminder_answer")
    assert first.post(answer, {"answer": "not_yet"}).status_code == 200
    response = second.post(answer, {"answer": "done"})
    assert response.status_code == 400
    assert "already answered" in response.text
    agreement.refresh_from_db()
    assert agreement.status == "open"
    assert AgreementReminder.objects.get().answer == "not_yet"


def test_bad_answers_get_a_clear_message(
    client, world, lead, today, django_capture_on_commit_callbacks
):
    AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    client.get(link_in(mail.outbox[0]))
    response = client.post(reverse("coalitions:reminder_answer"), {"answer": "maybe"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    response = client.post(
        reverse("coalitions:reminder_answer"), {"answer": "help", "note": "x" * 301}
    )
    assert "at most 300 characters" in response.text
    assert not AgreementReminder.objects.exclude(answer="").exists()


def test_a_finished_agreement_needs_no_answer(
    client, world, lead, today, django_capture_on_commit_callbacks
):
    agreement = AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    Agreement.objects.filter(pk=agreement.pk).update(status="dropped")
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 400
    assert "already finished" in response.text


def test_the_answer_itself_is_taken_once(world, lead, today, django_capture_on_commit_callbacks):
    """The guard under the row lock: two answers that both passed the page's check (a race)
    still change the agreement once."""
    AgreementFactory(coalition=world.coalition, lead=lead, due_on=today)
    run(django_capture_on_commit_callbacks)
    reminder = AgreementReminder.objects.get()
    reminders.answer_reminder(reminder_id=reminder.pk, lead_id=lead.pk, answer="not_yet")
    with pytest.raises(reminders.ReminderLinkError):
        reminders.answer_reminder(reminder_id=reminder.pk, lead_id=lead.pk, answer="done")
    assert AgreementReminder.objects.get().answer == "not_yet"
