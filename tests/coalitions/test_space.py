"""The coalition home: what it shows, to whom, and at a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalitions.models import HelpRequest, Member, SmallThing, TamtamPost
from pitstops.models import Agreement, Reflection
from tests.factories import AgreementFactory, MemberFactory

pytestmark = pytest.mark.django_db


def home_url(world) -> str:
    return world.coalition.get_absolute_url()


def test_home_shows_tamtam_agreements_plan_journey_and_members(client_for, world):
    TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text="Hallo buren")
    AgreementFactory(
        coalition=world.coalition,
        what="Koffie na afloop",
        lead=world.professional,
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    SmallThing.objects.create(coalition=world.coalition, text="Soep koken", lead=world.resident)
    html = client_for("resident").get(home_url(world)).text
    for text in [
        "What is new",
        "Hallo buren",
        "Koffie na afloop",
        "overdue",
        "Soep koken",
        "Our journey so far",
        "Ans",
        "Youssef",
        "professional",
    ]:
        assert text in html, text


def test_home_does_not_show_other_coalitions_things(client_for, world):
    TamtamPost.objects.create(coalition=world.other_coalition, author=world.outsider, text="Geheim")
    SmallThing.objects.create(coalition=world.other_coalition, text="Andermans idee")
    html = client_for("resident").get(home_url(world)).text
    assert "Geheim" not in html
    assert "Andermans idee" not in html


def test_facilitator_reads_the_space_without_forms_to_write(client_for, world):
    TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text="Hallo buren")
    html = client_for("facilitator").get(home_url(world)).text
    assert "Hallo buren" in html
    assert 'name="text"' not in html


def test_help_requests_show_on_the_home_and_for_facilitators(client_for, world):
    agreement = AgreementFactory(coalition=world.coalition, what="Buurtfeest", lead=world.resident)
    HelpRequest.objects.create(agreement=agreement, asked_by=world.resident, note="Wie bakt?")
    for role in ("professional", "facilitator"):
        html = client_for(role).get(home_url(world)).text
        assert "Help asked" in html
        assert "Wie bakt?" in html


def test_share_of_resident_led_small_things(client_for, world):
    for lead in (world.resident, world.resident, world.resident, world.professional):
        SmallThing.objects.create(coalition=world.coalition, text="Iets", lead=lead)
    share = SmallThing.objects.filter(coalition=world.coalition).resident_share()
    assert share == {"led": 4, "by_residents": 3, "percentage": 75, "percent": "75%"}
    html = client_for("professional").get(home_url(world)).text
    assert "3 of 4" in html and "75%" in html


def fill(world, count: int) -> None:
    """`count` items of every kind the home shows, made in bulk."""
    coalition, resident, professional = world.coalition, world.resident, world.professional
    members = Member.objects.bulk_create(
        MemberFactory.build(coalition=coalition, name=f"Buur {count}-{n}") for n in range(3)
    )
    now = timezone.now()
    today = timezone.localdate()
    TamtamPost.objects.bulk_create(
        TamtamPost(coalition=coalition, author=resident, text=f"Bericht {n}", created_at=now)
        for n in range(count)
    )
    things = SmallThing.objects.bulk_create(
        SmallThing(
            coalition=coalition,
            text=f"Klein ding {n}",
            lead=resident if n % 2 else professional,
            created_at=now,
        )
        for n in range(count)
    )
    SmallThing.joiners.through.objects.bulk_create(
        SmallThing.joiners.through(smallthing_id=thing.pk, member_id=member.pk)
        for thing in things
        for member in members
    )
    agreements = Agreement.objects.bulk_create(
        Agreement(
            coalition=coalition,
            what=f"Afspraak {n}",
            lead=resident,
            due_on=today + datetime.timedelta(days=n % 20 - 10),
            status=list(Agreement.Status)[n % 4],
        )
        for n in range(count)
    )
    HelpRequest.objects.bulk_create(
        HelpRequest(agreement=agreement, asked_by=resident) for agreement in agreements
    )
    Reflection.objects.bulk_create(
        Reflection(coalition=coalition, author=resident, text=f"Woorden {n}") for n in range(count)
    )


def queries_for_home(client, world) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(home_url(world))
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["resident", "facilitator"])
def test_home_query_count_is_the_same_with_10_and_1000_items(client_for, world, role):
    client = client_for(role)
    fill(world, 10)
    with_ten = queries_for_home(client, world)
    fill(world, 990)
    assert queries_for_home(client, world) == with_ten
    assert with_ten <= 30  # and that number stays modest
