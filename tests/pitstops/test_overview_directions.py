"""The overview over time: which way each theme moved per coalition, and red threads that return."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from coalitions.models import Member
from pitstops.models import CompassRating, CompassScore, RedThread, Session
from pitstops.overview import Direction, NoComparison
from tests.factories import MemberFactory, PitstopFactory, RedThreadFactory, SessionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NAMES = itertools.count()
HIGHER = '<span aria-hidden="true">▲</span> hoger'
SAME = '<span aria-hidden="true">=</span> gelijk'


def overview_url(w, name="overview", **query) -> str:
    from urllib.parse import urlencode

    url = reverse(f"pitstops:{name}", kwargs={"expedition": w.expedition.slug})
    return f"{url}?{urlencode(query)}" if query else url


def session(coalition, pitstop, days_ago: int) -> Session:
    found = Session.objects.filter(coalition=coalition, pitstop=pitstop).first()
    if found:
        return found
    return SessionFactory(
        coalition=coalition,
        pitstop=pitstop,
        held_on=TODAY - datetime.timedelta(days=days_ago),
        status=Session.Status.CLOSED,
    )


def rate(session, count: int, theme, score: int, rung=CompassRating.Rung.WITH) -> None:
    for index in range(count):
        member = MemberFactory(
            coalition=session.coalition,
            name=f"Lid {next(NAMES)}",
            role=Member.Role.RESIDENT if index % 2 else Member.Role.PROFESSIONAL,
        )
        rating = CompassRating.objects.create(session=session, member=member, rung=rung)
        CompassScore.objects.create(rating=rating, theme=theme, score=score)


@pytest.fixture
def moved(world):
    """Apeldoorn rises on the first theme, Voorst stays; Voorst's second round has 2 answers on
    the second theme."""
    first, second = world.expedition.themes.order_by("position")[:2]
    apeldoorn, voorst = world.coalition, world.other_coalition
    rate(session(apeldoorn, world.pitstop, 90), 3, first, 2)
    rate(session(apeldoorn, world.draft_pitstop, 10), 3, first, 4)
    rate(session(voorst, world.pitstop, 90), 3, first, 3)
    voorst_second = session(voorst, world.draft_pitstop, 10)
    rate(voorst_second, 3, first, 3)
    rate(voorst_second, 2, second, 5)
    return first, second


def test_each_coalition_and_theme_gets_a_direction_in_words_and_a_shape(client_for, world, moved):
    first, second = moved
    response = client_for("coordinator").get(overview_url(world))
    rows = {row.coalition.name: row for row in response.context["direction_rows"]}
    assert rows["Apeldoorn"].changes[0].direction == Direction.UP
    assert rows["Voorst"].changes[0].direction == Direction.SAME
    # Two answers, and nothing the round before: no direction, and the reason instead.
    assert rows["Voorst"].changes[1].direction is None
    assert rows["Apeldoorn"].changes[1].reason == NoComparison.NOT_SCORED
    html = response.text
    assert HIGHER in html and SAME in html
    assert "pitstop 2 tegenover 1" in html
    assert f"{first.name}: hoger bij 1, gelijk bij 1, lager bij 0; geen richting bij 0." in html
    assert f"{second.name}: hoger bij 0, gelijk bij 0, lager bij 0; geen richting bij 2." in html


def test_fewer_than_three_answers_on_either_side_give_no_direction(client_for, world):
    theme = world.expedition.themes.first()
    rate(session(world.coalition, world.pitstop, 90), 2, theme, 1)
    rate(session(world.coalition, world.draft_pitstop, 10), 3, theme, 5)
    response = client_for("coordinator").get(overview_url(world))
    row = response.context["direction_rows"][0]
    assert row.changes[0].direction is None
    assert row.changes[0].reason == NoComparison.TOO_FEW
    assert "▲" not in response.text


def test_a_skipped_pitstop_is_passed_over_and_the_compared_one_named(client_for, world):
    theme = world.expedition.themes.first()
    third = PitstopFactory(expedition=world.expedition, number=3, starts_on=TODAY)
    rate(session(world.coalition, world.pitstop, 90), 3, theme, 2)
    rate(session(world.coalition, third, 5), 3, theme, 2)
    response = client_for("coordinator").get(overview_url(world))
    row = response.context["direction_rows"][0]
    assert row.changes[0].direction == Direction.SAME
    assert row.changes[0].since == world.pitstop
    assert "pitstop 3 tegenover 1" in response.text


def test_the_per_theme_table_of_a_coalition_has_the_direction(client_for, world, moved):
    page = client_for("coordinator").get(overview_url(world, coalition=world.coalition.slug))
    assert "Sinds de vorige pitstop" in page.text
    assert page.text.count(HIGHER) == 2  # the table across coalitions, and the coalition's own


def test_the_exports_carry_the_direction_per_theme(client_for, world, moved):
    first, _ = moved
    client = client_for("coordinator")
    column = f"Sinds de vorige pitstop: {first.name}"
    response = client.get(overview_url(world, "overview_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_row = {(row["Coalitie"], row["Pitstop"][:1]): row[column] for row in rows}
    assert by_row["Apeldoorn", "1"] == "eerste keer"
    assert by_row["Apeldoorn", "2"] == "hoger"
    assert by_row["Voorst", "2"] == "gelijk"

    workbook = load_workbook(io.BytesIO(client.get(overview_url(world, "overview_xlsx")).content))
    headers, *cells = list(workbook.active.iter_rows(values_only=True))
    values = [dict(zip(headers, row, strict=True))[column] for row in cells]
    assert sorted(values) == ["eerste keer", "eerste keer", "gelijk", "hoger"]


def test_a_pitstop_not_held_has_no_direction_in_the_export(client_for, world):
    response = client_for("coordinator").get(overview_url(world, "overview_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    theme = world.expedition.themes.first()
    voorst = [row for row in rows if row["Coalitie"] == "Voorst"]
    assert {row[f"Sinds de vorige pitstop: {theme.name}"] for row in voorst} == {""}


# --- Red threads that come back ------------------------------------------------------------------


def chain(world, titles, statuses=None):
    """Red threads at pitstops 1, 2, 3..., each going on from the one before."""
    statuses = statuses or ["published"] * len(titles)
    pitstops = [world.pitstop, world.draft_pitstop]
    while len(pitstops) < len(titles):
        pitstops.append(PitstopFactory(expedition=world.expedition, number=len(pitstops) + 1))
    made = []
    for title, status, pitstop in zip(titles, statuses, pitstops, strict=False):
        made.append(
            RedThreadFactory(
                pitstop=pitstop,
                title=title,
                status=status,
                continues=made[-1] if made else None,
            )
        )
    return made


def test_a_red_thread_that_returns_is_shown_round_by_round(client_for, world):
    chain(world, ["Wie bepaalt wat telt", "Nog steeds: wie telt", "Wie telt, derde keer"])
    response = client_for("coordinator").get(overview_url(world))
    [recurring] = response.context["recurring"]
    assert [thread.title for thread in recurring.threads] == [
        "Wie bepaalt wat telt",
        "Nog steeds: wie telt",
        "Wie telt, derde keer",
    ]
    html = response.text
    assert "Komt terug in 3 rondes." in html
    assert "Gaat door op “Wie bepaalt wat telt” uit pitstop 1." in html
    assert "Gaat door op “Nog steeds: wie telt” uit pitstop 2." in html


def test_coordinators_never_hear_of_a_draft_in_a_chain(client_for, world):
    chain(world, ["Eerste, gepubliceerd", "GEHEIM concept", "Derde, gepubliceerd"],
          ["published", "draft", "published"])  # fmt: skip
    response = client_for("coordinator").get(overview_url(world))
    assert response.context["recurring"] == []
    assert "GEHEIM concept" not in response.text
    assert "Nog geen gepubliceerde rode draad gaat door op een eerdere." in response.text


def test_the_pitstop_filter_keeps_the_chains_that_touch_it(client_for, world):
    chain(world, ["Een", "Twee"])
    third = PitstopFactory(expedition=world.expedition, number=3)
    client = client_for("coordinator")
    assert len(client.get(overview_url(world, pitstop=2)).context["recurring"]) == 1
    assert client.get(overview_url(world, pitstop=third.number)).context["recurring"] == []


# --- Scale: flat with more pitstops and more red threads ----------------------------------------


def grow(world, pitstops: int) -> None:
    """Every coalition holds `pitstops` rounds with three raters; each round's red thread goes
    on from the one before."""
    themes = list(world.expedition.themes.all())
    previous = None
    for number in range(1, pitstops + 1):
        pitstop, _ = world.expedition.pitstops.get_or_create(
            number=number, defaults={"title": f"Ronde {number}", "starts_on": TODAY}
        )
        for coalition in (world.coalition, world.other_coalition):
            held = session(coalition, pitstop, 10 * (pitstops - number) + 1)
            if not held.compass_ratings.exists():
                rate(held, 3, themes[number % len(themes)], 1 + number % 5)
        thread = pitstop.red_threads.filter(title=f"Draad {number}").first()
        if thread is None:
            thread = RedThreadFactory(
                pitstop=pitstop, title=f"Draad {number}", status=RedThread.Status.PUBLISHED
            )
        if previous is not None and thread.continues_id is None:
            thread.continues = previous
            thread.save()
        previous = thread


@pytest.mark.parametrize("query", [{}, {"coalition": "apeldoorn"}], ids=["page", "one"])
def test_the_query_count_does_not_grow_with_the_pitstops(client_for, world, query):
    client = client_for("coordinator")
    url = overview_url(world, **query)
    grow(world, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    grow(world, 5)
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
    assert len(response.context["recurring"][0].threads) == 5
    assert len(five.captured_queries) == len(two.captured_queries)
