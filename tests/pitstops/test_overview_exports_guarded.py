"""Every figure the overview splits by role is withheld in the CSV and Excel files exactly as on
the page: below three people the files say "fewer than 3", never the number."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from coalitions.models import Member, SmallThing
from pitstops.models import CompassRating, CompassScore
from pitstops.models.tallies import rebuild_reflection_tallies
from pitstops.overview import FEWER_THAN_3
from tests.factories import AgreementFactory, MemberFactory, ReflectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FEWER = "fewer than 3"


def guarded_columns(world) -> list[str]:
    """The export's columns whose figures rest on a role's group of people (in English)."""
    with translation.override("en"):
        themes = [theme.name for theme in world.expedition.themes.all()]
    return [
        "Residents present",
        "Professionals present",
        "Share written by residents (%)",
        *[f"Perception gap: {name}" for name in themes],
        "Agreements led by residents (%)",
        "Small things led or joined by residents (%)",
    ]


def take_part(world, member) -> None:
    """The member attends, writes a card on every theme, rates every theme, leads an agreement
    made at the session and a small thing."""
    session = world.session
    session.attendees.add(member)
    rating = CompassRating.objects.create(session=session, member=member)
    score = 5 if member.role == Member.Role.RESIDENT else 2
    for theme in world.expedition.themes.all():
        CompassScore.objects.create(rating=rating, theme=theme, score=score)
        ReflectionFactory(coalition=world.coalition, session=session, theme=theme, author=member)
    AgreementFactory(coalition=world.coalition, origin_session=session, lead=member)
    SmallThing.objects.create(coalition=world.coalition, text="Groeten", lead=member)


def exports(client, world) -> dict[str, dict[str, object]]:
    """The coalition's row at the pitstop, from the CSV and from the Excel file."""
    kwargs = {"expedition": world.expedition.slug}
    query = {"coalition": world.coalition.slug, "pitstop": world.pitstop.number}
    response = client.get(reverse("pitstops:overview_csv", kwargs=kwargs), query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    response = client.get(reverse("pitstops:overview_xlsx", kwargs=kwargs), query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(cells) == 1
    return {"csv": rows[0], "xlsx": dict(zip(headers, cells[0], strict=True))}


def page_block(client, world) -> dict:
    response = client.get(
        reverse("pitstops:overview", kwargs={"expedition": world.expedition.slug}),
        {"coalition": world.coalition.slug, "pitstop": world.pitstop.number},
    )
    assert response.status_code == 200
    return response.context["blocks"][0], response.text


def test_below_three_people_every_guarded_figure_reads_fewer_than_3_in_every_export(
    client_for, world
):
    # One resident and one professional: every figure split by role rests on one person.
    for member in (world.resident, world.professional):
        take_part(world, member)
    rebuild_reflection_tallies()  # the tests' transaction never commits
    client = client_for("coordinator")
    block, html = page_block(client, world)
    figures, cell = block["figures"], block["cells"][0]
    # The page withholds them...
    assert cell.residents_present is FEWER_THAN_3
    assert cell.professionals_present is FEWER_THAN_3
    assert cell.resident_share is FEWER_THAN_3
    assert all(compass.gap is FEWER_THAN_3 for compass in cell.compass.values())
    assert figures.agreements.resident_share is FEWER_THAN_3
    assert figures.small_things_by_residents is FEWER_THAN_3
    assert f"Led by residents: {FEWER}" in html
    assert f"led or joined by residents: {FEWER}" in html
    # ...and so does every file, column by column.
    for kind, row in exports(client, world).items():
        for column in guarded_columns(world):
            assert row[column] == FEWER, (kind, column)


def test_from_three_people_the_same_columns_show_their_numbers(client_for, world):
    """The counterpart: the set-up does give these columns a figure to withhold."""
    members = [world.resident, world.professional]
    for index in range(2):
        members.append(MemberFactory(coalition=world.coalition, name=f"Bewoner {index}"))
        members.append(
            MemberFactory(
                coalition=world.coalition, name=f"Werker {index}", role=Member.Role.PROFESSIONAL
            )
        )
    for member in members:
        take_part(world, member)
    rebuild_reflection_tallies()
    client = client_for("coordinator")
    expected = {
        "Residents present": 3,
        "Professionals present": 3,
        "Share written by residents (%)": 50,
        **{column: 3.0 for column in guarded_columns(world) if column.startswith("Perception")},
        "Agreements led by residents (%)": 50,  # the world's own agreement has no session
        "Small things led or joined by residents (%)": 50,
    }
    assert set(expected) == set(guarded_columns(world))
    rows = exports(client, world)
    for column, value in expected.items():
        assert rows["xlsx"][column] == value, column
        assert rows["csv"][column] == str(value), column
