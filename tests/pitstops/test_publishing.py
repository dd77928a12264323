"""Publishing from the workspace: readers see the report and get a link once it is saved."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from pitstops.models import RedThread
from tests.factories import MemberFactory, RedThreadFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def url(world, name: str, pitstop=None) -> str:
    pitstop = pitstop or world.draft_pitstop
    return reverse(
        f"pitstops:{name}", kwargs={"expedition": world.expedition.slug, "number": pitstop.number}
    )


@pytest.fixture
def ready(world):
    """The second pitstop, with one published red thread and one still in review."""
    RedThreadFactory(pitstop=world.draft_pitstop, title="Klaar", status="published")
    RedThreadFactory(pitstop=world.draft_pitstop, title="Nog niet", status="in_review")
    world.resident.email = "ans@example.org"
    world.resident.save()
    MemberFactory(
        coalition=world.coalition, name="Oud lid", email="oud@example.org", is_active=False
    )
    return world.draft_pitstop


def test_publishing_shows_the_report_to_coordinators_and_members(
    client_for, world, ready, django_capture_on_commit_callbacks
):
    for role in ("coordinator", "resident", "outsider"):
        assert client_for(role).get(url(world, "report")).status_code == 404
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for("facilitator").post(url(world, "publish"), follow=True)
    assert len(callbacks) == len(mail.outbox)
    assert "The report is published" in response.text
    ready.refresh_from_db()
    assert ready.is_report_published and ready.report_updated_at is None
    for role in ("coordinator", "resident", "professional", "outsider"):
        page = client_for(role).get(url(world, "report"))
        assert page.status_code == 200, role
        assert "Klaar" in page.text and "Nog niet" not in page.text
    assert client_for("stranger").get(url(world, "report")).status_code == 404


def test_every_reader_gets_their_own_e_mail_with_a_link(
    client_for, world, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for("facilitator").post(url(world, "publish"))
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == sorted(
        {
            "ans@example.org",  # the member's own address
            "coordinator@example.org",
            "outsider@example.org",  # member of the other coalition, by their account
            "professional@example.org",
        }
    )
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others
    message = mail.outbox[0]
    assert "is gepubliceerd" in message.subject or "published" in message.subject
    assert f"http://testserver{url(world, 'report')}" in message.body
    assert "oud@example.org" not in addresses


def test_no_e_mail_leaves_before_the_transaction_commits(client_for, world, ready):
    """Without running on-commit callbacks (the test's transaction never commits) no mail."""
    client_for("facilitator").post(url(world, "publish"))
    assert mail.outbox == []


def test_a_change_after_publishing_shows_updated_on(client_for, world, ready):
    client = client_for("facilitator")
    client.post(url(world, "publish"))
    thread = RedThread.objects.get(title="Klaar")
    client.post(
        reverse("pitstops:red_thread_edit", kwargs={"pk": thread.pk}),
        {"title": "Klaar en beter", "text": "Tekst", "status": "published", "version": 1},
    )
    ready.refresh_from_db()
    assert ready.report_updated_at is not None
    page = client_for("coordinator").get(url(world, "report"))
    assert "Updated on" in page.text and "Klaar en beter" in page.text


def test_the_introduction_is_edited_from_the_workspace(client_for, world, ready):
    client = client_for("facilitator")
    response = client.post(url(world, "introduction"), {"introduction": "Het *begin*."})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.introduction == "Het *begin*."
    assert "<em>begin</em>" in client.get(url(world, "workspace")).text
    response = client.post(url(world, "introduction"), {"introduction": "<script>x</script>"})
    assert response.status_code == 200
    assert "HTML is not allowed" in response.text
    response = client.post(url(world, "introduction"), {"introduction": "x" * 10_001})
    assert "at most 10000 characters" in response.text
    ready.refresh_from_db()
    assert ready.introduction == "Het *begin*."


def test_publishing_without_a_published_red_thread_is_refused(client_for, world):
    response = client_for("facilitator").post(url(world, "publish"), follow=True)
    assert "Publish at least one red thread first" in response.text
    world.draft_pitstop.refresh_from_db()
    assert not world.draft_pitstop.is_report_published


def test_a_coordinator_without_an_address_is_skipped(client_for, world, ready):
    user = UserFactory(username="zonder", email="")
    world.expedition.coordinators.add(user)
    from pitstops.synthesis.services import report_readers

    assert "" not in report_readers(ready)
