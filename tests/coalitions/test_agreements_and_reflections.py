"""Agreements and reflections any time, through the real test client."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coalitions.models import HelpRequest
from pitstops import authorship
from pitstops.models import Agreement, Reflection
from tests.factories import AgreementFactory, ReflectionFactory

pytestmark = pytest.mark.django_db


def url(world, name: str, **kwargs) -> str:
    return reverse(
        f"coalitions:{name}",
        kwargs={"expedition": world.expedition.slug, "slug": world.coalition.slug, **kwargs},
    )


# Agreements -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["resident", "professional", "facilitator"])
def test_create_an_agreement_with_a_lead_and_a_date(client_for, world, role):
    response = client_for(role).post(
        url(world, "agreements"),
        {"what": "Samen koken", "lead": world.resident.pk, "due_on": "2027-03-01"},
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(what="Samen koken")
    assert agreement.coalition == world.coalition
    assert (agreement.lead, agreement.due_on) == (world.resident, datetime.date(2027, 3, 1))
    assert agreement.status == Agreement.Status.OPEN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"what": ""}, "This field is required."),
        ({"what": "x" * 301}, "at most 300 characters"),
        ({"what": "Iets", "due_on": "31-02-2027"}, "Enter a valid date."),
    ],
)
def test_bad_agreements_get_a_clear_message(client_for, world, data, message):
    response = client_for("resident").post(url(world, "agreements"), data)
    assert response.status_code == 200
    assert message in response.text
    assert list(Agreement.objects.all()) == [world.agreement]  # nothing new


def test_update_status_and_what_came_of_it(client_for, world):
    agreement = AgreementFactory(coalition=world.coalition, lead=world.professional)
    response = client_for("resident").post(
        url(world, "agreement_edit", pk=agreement.pk),
        {
            "what": agreement.what,
            "lead": world.professional.pk,
            "status": "done",
            "outcome": "Twintig buren kwamen.",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.status, agreement.outcome) == ("done", "Twintig buren kwamen.")


def test_the_outcome_is_capped(client_for, world):
    agreement = AgreementFactory(coalition=world.coalition)
    response = client_for("resident").post(
        url(world, "agreement_edit", pk=agreement.pk),
        {"what": agreement.what, "status": "done", "outcome": "x" * 1001},
    )
    assert response.status_code == 200
    assert "at most 1000 characters" in response.text


def test_the_review_list_shows_overdue_plainly_and_what_was_finished(client_for, world):
    today = timezone.localdate()
    AgreementFactory(coalition=world.coalition, what="Te laat", due_on=today.replace(year=2020))
    AgreementFactory(coalition=world.coalition, what="Op tijd", due_on=today.replace(year=2099))
    AgreementFactory(coalition=world.coalition, what="Gelukt", status="done", outcome="Fijn")
    html = client_for("facilitator").get(url(world, "agreements")).text
    overdue = html.index('id="overdue-heading"')
    on_time = html.index('id="open-heading"')
    closed = html.index('id="closed-heading"')
    assert overdue < html.index("Te laat") < on_time < html.index("Op tijd") < closed
    assert html.index("Gelukt") > closed and "Fijn" in html
    assert "was due on" in html


def test_asking_for_help_and_closing_it(client_for, world):
    agreement = AgreementFactory(coalition=world.coalition, lead=world.resident)
    client = client_for("resident")
    client.post(url(world, "agreement_help", pk=agreement.pk), {"note": "Wie helpt?"})
    client.post(url(world, "agreement_help", pk=agreement.pk), {"note": "Nog iemand?"})
    assert HelpRequest.objects.open().get().note == "Wie helpt?"  # one open request
    client.post(
        url(world, "agreement_edit", pk=agreement.pk),
        {"what": agreement.what, "status": "under_way", "help_arranged": "on"},
    )
    assert not HelpRequest.objects.open().exists()


def test_a_too_long_help_note_keeps_what_was_typed(client_for, world):
    agreement = AgreementFactory(coalition=world.coalition)
    note = "Hulp " * 70
    response = client_for("resident").post(
        url(world, "agreement_help", pk=agreement.pk), {"note": note}
    )
    assert response.status_code == 200
    assert "at most 300 characters" in response.text
    assert note.strip() in response.text
    assert not HelpRequest.objects.exists()


def test_agreements_of_another_coalition_are_not_found(client_for, world):
    elsewhere = AgreementFactory(coalition=world.other_coalition)
    client = client_for("resident")
    assert client.get(url(world, "agreement_edit", pk=elsewhere.pk)).status_code == 404
    assert client.post(url(world, "agreement_help", pk=elsewhere.pk)).status_code == 404


# Reflections ----------------------------------------------------------------------------------


def reflection_data(world, **overrides) -> dict:
    return {
        "theme": world.expedition.themes.first().pk,
        "kind": "undercurrent",
        "text": "Ik durf niet alles te zeggen.",
        "visibility": "facilitators",
        **overrides,
    }


def test_write_a_named_reflection_on_a_theme(client_for, world):
    response = client_for("professional").post(url(world, "reflections"), reflection_data(world))
    assert response.status_code == 302
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    assert (reflection.author, reflection.author_role) == (world.professional, "professional")
    assert (reflection.coalition, reflection.session) == (world.coalition, None)
    assert "Ik durf niet alles" in client_for("professional").get(url(world, "reflections")).text


def test_an_anonymous_reflection_stores_no_author_but_its_writer_finds_it(client_for, world):
    client = client_for("resident")
    client.post(url(world, "reflections"), reflection_data(world, is_anonymous="on"))
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    assert reflection.author is None and reflection.is_anonymous
    # A seal: a random nonce and a keyed hash, never a member id or a name.
    nonce, digest = reflection.author_seal.split(":")
    assert (len(nonce), len(digest)) == (32, 64)
    assert "Ik durf niet alles" in client.get(url(world, "reflections")).text
    edit = url(world, "reflection_edit", pk=reflection.pk)
    assert client.get(edit).status_code == 200
    # Nobody else can: not a fellow member, not a facilitator.
    assert client_for("professional").get(edit).status_code == 404
    assert (
        "Ik durf niet alles" not in client_for("professional").get(url(world, "reflections")).text
    )


def test_anonymous_words_stay_with_the_signed_in_session_that_wrote_them(client, world):
    """Signed in again (or on another device), the same account no longer finds them: nothing
    on the server links them to the account."""
    client.force_login(world.user("resident"))
    client.post(url(world, "reflections"), reflection_data(world, is_anonymous="on"))
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    edit = url(world, "reflection_edit", pk=reflection.pk)
    assert client.get(edit).status_code == 200
    client.post(reverse("logout"))
    assert (
        authorship.WRITER_COOKIE not in client.cookies
        or not client.cookies[authorship.WRITER_COOKIE].value
    )
    client.force_login(world.user("resident"))
    assert client.get(edit).status_code == 404
    assert "Ik durf niet alles" not in client.get(url(world, "reflections")).text


def test_two_anonymous_reflections_of_one_writer_share_nothing(client_for, world):
    client = client_for("resident")
    client.post(url(world, "reflections"), reflection_data(world, is_anonymous="on"))
    client.post(
        url(world, "reflections"), reflection_data(world, text="Nog iets", is_anonymous="on")
    )
    first, second = Reflection.objects.filter(author_role="resident").order_by("pk")
    assert first.author_seal.split(":")[0] != second.author_seal.split(":")[0]
    assert first.author_seal.split(":")[1] != second.author_seal.split(":")[1]
    secret = authorship.new_writer_secret()
    assert authorship.is_sealed_by(authorship.seal(secret), secret)
    assert not authorship.is_sealed_by(authorship.seal(secret), authorship.new_writer_secret())


def test_edit_your_own_reflection(client_for, world):
    client = client_for("resident")
    client.post(url(world, "reflections"), reflection_data(world))
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    response = client.post(
        url(world, "reflection_edit", pk=reflection.pk),
        reflection_data(world, text="Nu durf ik het wel.", visibility="coalition"),
    )
    assert response.status_code == 302
    reflection.refresh_from_db()
    assert (reflection.text, reflection.visibility) == ("Nu durf ik het wel.", "coalition")


def test_making_it_anonymous_later_drops_the_name(client_for, world):
    client = client_for("resident")
    client.post(url(world, "reflections"), reflection_data(world))
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    client.post(
        url(world, "reflection_edit", pk=reflection.pk),
        reflection_data(world, is_anonymous="on"),
    )
    reflection.refresh_from_db()
    assert reflection.author is None and reflection.is_anonymous
    assert client.get(url(world, "reflection_edit", pk=reflection.pk)).status_code == 200


def test_withdraw_your_own_reflection(client_for, world):
    client = client_for("resident")
    client.post(url(world, "reflections"), reflection_data(world, is_anonymous="on"))
    reflection = Reflection.objects.get(text="Ik durf niet alles te zeggen.")
    withdraw = url(world, "reflection_withdraw", pk=reflection.pk)
    # Another member, signed in on the same browser, cannot; the writer's session can.
    professional = Client()
    professional.force_login(world.user("professional"))
    assert professional.post(withdraw).status_code == 404
    assert Reflection.objects.filter(pk=reflection.pk).exists()
    assert client.post(withdraw).status_code == 302
    assert not Reflection.objects.filter(pk=reflection.pk).exists()


def test_a_superuser_cannot_change_someone_elses_words(client_for, world):
    """Also a superuser who is a member of the same coalition, who may write there."""
    from tests.factories import MemberFactory

    MemberFactory(coalition=world.coalition, user=world.user("superuser"), name="Beheerder")
    reflection = ReflectionFactory(coalition=world.coalition, author=world.resident)
    client = client_for("superuser")
    assert client.get(url(world, "reflections")).status_code == 200  # a member: may write
    assert client.get(url(world, "reflection_edit", pk=reflection.pk)).status_code == 404
    assert client.post(url(world, "reflection_withdraw", pk=reflection.pk)).status_code == 404
    assert Reflection.objects.filter(pk=reflection.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "This field is required."),
        ({"text": "x" * 2001}, "at most 2000 characters"),
        ({"theme": ""}, "This field is required."),
        ({"visibility": "everyone"}, "Select a valid choice"),
    ],
)
def test_bad_reflections_get_a_clear_message(client_for, world, overrides, message):
    response = client_for("resident").post(
        url(world, "reflections"), reflection_data(world, **overrides)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Reflection.objects.filter(author=world.resident).exists()


def test_a_theme_of_another_expedition_is_refused(client_for, world):
    from tests.factories import ThemeFactory

    response = client_for("resident").post(
        url(world, "reflections"), reflection_data(world, theme=ThemeFactory().pk)
    )
    assert "Select a valid choice" in response.text
