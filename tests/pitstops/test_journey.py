"""The coalition's journey page: who sees what, the timeline in words, bad input, scale."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coalitions.models import Coalition, Member, SmallThing
from pitstops.models import Agreement, CompassRating, CompassScore, Session
from pitstops.overview import FEWER_THAN_3, Direction, NoComparison, compass_change, ladder_place
from tests.factories import (
    AgreementFactory,
    MemberFactory,
    PitstopFactory,
    SessionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

Rung = CompassRating.Rung
TODAY = timezone.localdate()


def journey_url(w, coalition=None) -> str:
    coalition = coalition or w.coalition
    return reverse(
        "pitstops:journey", kwargs={"expedition": w.expedition.slug, "slug": coalition.slug}
    )


def text_of(response) -> str:
    """The page's visible words, tags out and spaces squeezed, for sentences across tags."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def members(w, count: int, role=Member.Role.RESIDENT, prefix="Lid") -> list[Member]:
    return [
        MemberFactory(coalition=w.coalition, name=f"{prefix} {index}", role=role)
        for index in range(count)
    ]


def rate(session, raters, rung, scores: dict) -> None:
    """Each rater puts the coalition on `rung` and gives each theme its score."""
    for member in raters:
        rating = CompassRating.objects.create(session=session, member=member, rung=rung)
        CompassScore.objects.bulk_create(
            CompassScore(rating=rating, theme=theme, score=score) for theme, score in scores.items()
        )


def held(w, pitstop, days_ago: int, place="Buurthuis De Linde") -> Session:
    return SessionFactory(
        pitstop=pitstop,
        coalition=w.coalition,
        held_on=TODAY - datetime.timedelta(days=days_ago),
        place=place,
        status=Session.Status.CLOSED,
    )


@pytest.fixture
def three_rounds(world):
    """Pitstop 1 held (three say "for"), 2 held (three say "with"), 3 planned later on."""
    theme = world.expedition.themes.order_by("position").first()
    raters = members(world, 3)
    first = world.session
    first.held_on, first.place, first.status = (
        TODAY - datetime.timedelta(days=200),
        "De Linde",
        "closed",
    )
    first.save()
    rate(first, raters, Rung.FOR, {theme: 2})
    second = held(world, world.draft_pitstop, 60, place="Het Buurthuis")
    rate(second, raters, Rung.WITH, {theme: 4})
    third = PitstopFactory(expedition=world.expedition, number=3, starts_on=TODAY)
    SessionFactory(
        pitstop=third,
        coalition=world.coalition,
        held_on=TODAY + datetime.timedelta(days=40),
        place="De Zonnewijzer",
    )
    return theme


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_shows_three_pitstops_the_ladder_shift_in_words_and_charts_with_tables(client):
    """Issue 22's acceptance, as each demo member and the coordinator read it."""
    call_command("seed_demo", stdout=io.StringIO())
    users = get_user_model().objects
    apeldoorn = Coalition.objects.get(slug="apeldoorn")
    voorst = Coalition.objects.get(slug="voorst", expedition=apeldoorn.expedition)
    for username in ("bewoner", "beroepskracht", "begeleider", "coordinator"):
        client.force_login(users.get(username=username))
        for coalition in (apeldoorn, voorst):
            url = reverse(
                "pitstops:journey",
                kwargs={"expedition": coalition.expedition.slug, "slug": coalition.slug},
            )
            response = client.get(url)
            if username in ("bewoner", "beroepskracht") and coalition == voorst:
                assert response.status_code == 404  # another coalition's journey
                continue
            page = text_of(response)
            assert page.count("Gehouden op") == 3, (username, coalition)
            assert "naar “met bewoners”: een stap vooruit." in page
            assert response.text.count('aria-hidden="true"><svg') >= 2
            assert response.text.count("<table") == response.text.count("<svg")
    # Voorst slipped back when the municipality pushed: said in words, for the coordinator too.
    assert "naar “voor bewoners”: een stap terug." in page


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("resident", 200),
        ("professional", 200),
        ("facilitator", 200),
        ("superuser", 200),
        ("coordinator", 200),
        ("outsider", 404),  # a member of another coalition
        ("stranger", 404),
    ],
)
def test_members_team_and_coordinators_see_it_others_get_404(client_for, world, role, status):
    assert client_for(role).get(journey_url(world)).status_code == status


def test_a_coordinator_of_another_expedition_gets_404(client, world, other_world):
    client.force_login(other_world.user("coordinator"))
    assert client.get(journey_url(world)).status_code == 404


def test_the_coalition_home_and_the_overview_link_the_journey(client_for, world):
    url = journey_url(world)
    assert url in client_for("resident").get(world.coalition.get_absolute_url()).text
    overview = reverse("pitstops:overview", kwargs={"expedition": world.expedition.slug})
    page = client_for("coordinator").get(f"{overview}?coalition={world.coalition.slug}")
    assert url in page.text


def test_members_see_names_agreements_and_small_things_coordinators_only_counts(client_for, world):
    """Coordinators read what is published (agreements once the report is out, by role) or
    counted (small things); names never."""
    AgreementFactory(
        coalition=world.coalition,
        origin_session=world.session,
        lead=world.resident,
        what="Elke maand samen koken",
        status=Agreement.Status.DONE,
    )
    SmallThing.objects.create(
        coalition=world.coalition, text="Buurvrouw gegroet", lead=world.resident
    )
    draft_session = held(world, world.draft_pitstop, 10)
    AgreementFactory(
        coalition=world.coalition, origin_session=draft_session, what="Nog niet in een verslag"
    )

    member_page = text_of(client_for("resident").get(journey_url(world)))
    assert "Elke maand samen koken" in member_page
    assert "Ans (bewoner)" in member_page
    assert "Buurvrouw gegroet" in member_page
    assert "Nog niet in een verslag" in member_page

    client = client_for("coordinator")
    coordinator_page = text_of(client.get(journey_url(world)))
    assert "Elke maand samen koken" in coordinator_page  # pitstop 1's report is published
    assert "Nog niet in een verslag" not in coordinator_page  # pitstop 2's is not
    assert "De afspraken zelf staan in het verslag" in coordinator_page
    assert "Buurvrouw gegroet" not in coordinator_page
    assert "1 klein ding" in coordinator_page
    assert "Ans" not in coordinator_page
    assert "bewoner" in coordinator_page  # who leads, by role


# --- The timeline in words ---------------------------------------------------------------------


def test_three_pitstops_with_the_ladder_shift_in_words(client_for, world, three_rounds):
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "Pitstop 1" in page and "Pitstop 2" in page and "Pitstop 3" in page
    assert "in Het Buurthuis" in page
    assert "De eerste keer: nog niets om mee te vergelijken." in page
    assert "Van “voor bewoners” bij pitstop 1 naar “met bewoners”: een stap vooruit." in page
    assert "Hoger dan bij pitstop 1 (2,0)." in page
    assert "Gepland op" in page and "De Zonnewijzer" in page
    assert "2 van 3 pitstops gehouden." in page


def test_in_english_too(client_for, world, three_rounds, english):
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "From “for residents” at pitstop 1 to “with residents”: a step forward." in page
    assert "Higher than at pitstop 1 (2.0)." in page
    assert "2 of 3 pitstops held." in page


def test_a_step_back_and_staying_put_are_said_too(client_for, world, three_rounds):
    raters = list(Member.objects.filter(name__startswith="Lid"))
    third = world.expedition.pitstops.get(number=3).sessions.get()
    third.held_on, third.status = TODAY - datetime.timedelta(days=1), "closed"
    third.save()
    rate(third, raters, Rung.FOR, {three_rounds: 4})
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "Van “met bewoners” bij pitstop 2 naar “voor bewoners”: een stap terug." in page
    assert "Gelijk aan pitstop 2 (4,0)." in page


def test_the_charts_are_hidden_from_screen_readers_their_tables_are_not(
    client_for, world, three_rounds
):
    html = client_for("resident").get(journey_url(world)).text
    for chart in re.findall(r'<div class="col-12 col-md-6" aria-hidden="true">\s*<svg', html):
        assert chart
    assert html.count("<svg") == html.count('aria-hidden="true"><svg')
    assert html.count("<svg") == 3  # the ladder at pitstops 1 and 2, the compass over all
    assert html.count("<table") == 3
    assert "<caption>De ladder bij pitstop 2</caption>" in html


def test_agreements_made_at_a_pitstop_and_what_came_of_them(client_for, world):
    for what, status in [("Koffie", "done"), ("Training", "dropped"), ("Buurtfeest", "open")]:
        AgreementFactory(
            coalition=world.coalition, origin_session=world.session, what=what, status=status
        )
    page = text_of(client_for("professional").get(journey_url(world)))
    assert "3 afspraken." in page
    assert "1 open, 1 klaar, 1 gestopt" in page


# --- Bad input: said in words, never a 500, never a misleading arrow ---------------------------


def test_a_skipped_pitstop_is_said_and_the_next_compares_with_the_one_before(client_for, world):
    theme = world.expedition.themes.first()
    raters = members(world, 3)
    rate(world.session, raters, Rung.FOR, {theme: 3})
    third = PitstopFactory(expedition=world.expedition, number=3, starts_on=TODAY)
    session = held(world, third, 5)
    rate(session, raters, Rung.WITH, {theme: 3})
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "Deze coalitie heeft deze pitstop overgeslagen." in page
    assert "Gelijk aan pitstop 1 (3,0)." in page
    assert "bij pitstop 1 naar “met bewoners”: een stap vooruit." in page


def test_a_theme_added_halfway_gets_no_arrow(client_for, world, three_rounds):
    new = ThemeFactory(expedition=world.expedition, name_nl="Nieuw thema", position=9)
    second = world.draft_pitstop.sessions.get()
    for rating in second.compass_ratings.all():
        CompassScore.objects.create(rating=rating, theme=new, score=4)
    page = text_of(client_for("resident").get(journey_url(world)))
    assert (
        "Nieuw thema : 4,0, uit 3 antwoorden. Niet ingevuld bij pitstop 1, dus geen vergelijking."
        in page
    )


def test_fewer_than_three_answers_hide_the_mean_and_the_direction(client_for, world):
    theme = world.expedition.themes.first()
    rate(world.session, members(world, 3), Rung.FOR, {theme: 2})
    second = held(world, world.draft_pitstop, 5)
    rate(second, members(world, 2, prefix="Twee"), Rung.BY, {theme: 5})
    response = client_for("resident").get(journey_url(world))
    page = text_of(response)
    assert "maar 2 antwoorden: te weinig om te tonen" in page
    assert "Minder dan 3 antwoorden hier of bij pitstop 1, dus geen vergelijking." in page
    assert "Minder dan 3 antwoorden: te weinig om te zeggen waar de coalitie staat" in page
    assert "5,0" not in page
    assert "door bewoners”: " not in page
    stop = response.context["journey"].stops[1]
    assert stop.themes[0].mean is FEWER_THAN_3
    assert stop.ladder_chart is None


def test_a_pitstop_without_compass_answers_says_so(client_for, world):
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "Niemand heeft het kompas ingevuld bij deze pitstop." in page
    assert "Niemand heeft de coalitie op de ladder gezet" in page
    assert "Nog niemand heeft het kompas ingevuld." in page


def test_a_member_who_left_is_named_as_such(client_for, world):
    leaver = MemberFactory(coalition=world.coalition, name="Piet", is_active=False)
    AgreementFactory(coalition=world.coalition, origin_session=world.session, lead=leaver)
    page = text_of(client_for("resident").get(journey_url(world)))
    assert "Piet (bewoner, doet niet meer mee)" in page


def test_an_expedition_without_pitstops_gives_a_page(client_for, world):
    world.expedition.pitstops.all().delete()
    response = client_for("resident").get(journey_url(world))
    assert response.status_code == 200
    assert "0 van 0 pitstops gehouden." in text_of(response)


def test_the_hook_for_change_stories_is_empty_until_the_story_round_exists(client_for, world):
    journey = client_for("resident").get(journey_url(world)).context["journey"]
    assert all(stop.stories == [] for stop in journey.stops)


# --- The words of change, on their own -----------------------------------------------------


def test_the_middle_answer_places_the_coalition_on_the_ladder():
    assert ladder_place({}) is None
    assert ladder_place({"for": 2}) is FEWER_THAN_3
    assert ladder_place({"for": 1, "with": 2}) == "with"
    # Even: the lower middle, so a step forward needs at least half the raters.
    assert ladder_place({"for": 2, "with": 2}) == "for"
    assert ladder_place({"on_behalf_of": 1, "by": 3}) == "by"


def test_small_differences_read_as_the_same():
    pitstop = PitstopFactory.build(number=1)
    assert compass_change((3.1, 3), (3.0, 3), pitstop).direction == Direction.SAME
    assert compass_change((3.2, 3), (3.0, 3), pitstop).direction == Direction.UP
    assert compass_change((2.7, 3), (3.0, 3), pitstop).direction == Direction.DOWN
    assert compass_change((3.0, 3), None, None).reason == NoComparison.FIRST
    assert compass_change((3.0, 2), (3.0, 3), pitstop).reason == NoComparison.TOO_FEW


# --- Scale ---------------------------------------------------------------------------------------


def grow_to(w, count: int) -> None:
    """`count` pitstops, each held with three raters, an agreement and a small thing."""
    themes = list(w.expedition.themes.all())
    raters = members(w, 3, prefix=f"Groei{count}")
    for number in range(1, count + 1):
        pitstop, _ = w.expedition.pitstops.get_or_create(
            number=number, defaults={"title": f"Ronde {number}", "starts_on": TODAY}
        )
        session, created = Session.objects.get_or_create(
            pitstop=pitstop,
            coalition=w.coalition,
            defaults={"held_on": TODAY - datetime.timedelta(days=10 * (count - number) + 1)},
        )
        if created or not session.compass_ratings.exists():
            rate(session, raters, list(Rung)[number % 4], dict.fromkeys(themes, 1 + number % 5))
            AgreementFactory(coalition=w.coalition, origin_session=session, lead=raters[0])
        SmallThing.objects.create(coalition=w.coalition, text=f"Klein {number}", lead=raters[1])


@pytest.mark.parametrize("role", ["resident", "coordinator"])
def test_the_query_count_does_not_grow_with_the_pitstops(client_for, world, role):
    client = client_for(role)
    url = journey_url(world)
    grow_to(world, 2)
    client.get(url)  # warm what a first request fills
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    grow_to(world, 5)
    with CaptureQueriesContext(connection) as five:
        response = client.get(url)
        assert response.status_code == 200
    assert len(response.context["journey"].stops) == 5
    assert len(five.captured_queries) == len(two.captured_queries)
    assert len(two.captured_queries) <= 30
