"""The coordinators' overview: who may see it, the fewer-than-3 rule, no private words, scale."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from coalitions.models import Member
from pitstops.models import CompassRating, CompassScore, Reflection, ReflectionTally
from pitstops.models.tallies import rebuild_reflection_tallies
from pitstops.overview import FEWER_THAN_3, guarded
from tests.factories import (
    AgreementFactory,
    CoalitionFactory,
    ExpeditionFactory,
    MemberFactory,
    PitstopFactory,
    RedThreadFactory,
    ReflectionFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=False)

MARKER = "GEHEIM-7f3a"
FEWER = "minder dan 3"  # the Dutch label: the test client asks for no language, so Dutch


def urls(w, **query) -> dict[str, str]:
    from urllib.parse import urlencode

    suffix = f"?{urlencode(query)}" if query else ""
    return {
        name: reverse(f"pitstops:{name}", kwargs={"expedition": w.expedition.slug}) + suffix
        for name in ("overview", "overview_csv", "overview_xlsx")
    }


def xlsx_text(content: bytes) -> str:
    """Every string and number in the workbook, as the XML holds them."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/") and name.endswith(".xml")
        )


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def rate(session, member, scores: dict, rung=CompassRating.Rung.WITH):
    rating = CompassRating.objects.create(session=session, member=member, rung=rung)
    CompassScore.objects.bulk_create(
        CompassScore(rating=rating, theme=theme, score=score) for theme, score in scores.items()
    )
    return rating


def small_groups(w):
    """One resident and one professional attend and rate: every split rests on one person."""
    w.session.attendees.add(w.resident, w.professional)
    theme = w.expedition.themes.first()
    rate(w.session, w.resident, {theme: 5})
    rate(w.session, w.professional, {theme: 2})
    for member in (w.resident, w.professional):
        ReflectionFactory(coalition=w.coalition, session=w.session, theme=theme, author=member)
    return theme


def larger_groups(w, theme):
    """Three of each role: the same figures now show."""
    for index in range(2):
        resident = MemberFactory(coalition=w.coalition, name=f"Bewoner {index}")
        professional = MemberFactory(
            coalition=w.coalition, name=f"Werker {index}", role=Member.Role.PROFESSIONAL
        )
        w.session.attendees.add(resident, professional)
        rate(w.session, resident, {theme: 5})
        rate(w.session, professional, {theme: 2})


# --- Who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "coordinator"])
def test_running_another_expedition_gives_no_access(client, world, role):
    """A coordinator or facilitator of another expedition gets a 404 on all three URLs."""
    other = ExpeditionFactory()
    user = UserFactory(username=f"other-{role}")
    getattr(other, f"{role}s").add(user)
    client.force_login(user)
    for url in urls(world).values():
        assert client.get(url).status_code == 404, url
    client.force_login(world.user(role))
    for url in urls(world).values():
        assert client.get(url).status_code == 200, url


def test_expedition_page_links_the_overview_for_those_who_may_see_it(client_for, world):
    overview = urls(world)["overview"]
    page = client_for("coordinator").get(world.expedition.get_absolute_url())
    assert overview in page.content.decode()


# --- The fewer-than-3 rule --------------------------------------------------------------------


def test_guarded_hides_groups_of_one_or_two():
    assert guarded(40, 3, 5) == 40
    assert guarded(40, 2, 5) is FEWER_THAN_3
    assert guarded(40, 5, 1) is FEWER_THAN_3
    assert guarded(0, 0) == 0


def test_fewer_than_three_on_the_page_in_chart_tables_and_exports(client_for, world):
    theme = small_groups(world)
    client = client_for("coordinator")
    links = urls(world, coalition=world.coalition.slug, pitstop=world.pitstop.number)

    response = client.get(links["overview"])
    block = next(b for b in response.context["blocks"])
    cell = block["cells"][0]
    assert cell.residents_present is FEWER_THAN_3
    assert cell.professionals_present is FEWER_THAN_3
    assert cell.resident_share is FEWER_THAN_3
    assert cell.compass[theme.pk].gap is FEWER_THAN_3
    assert cell.compass[theme.pk].mean == 3.5  # not split by role: shown
    radar_row = block["radar"].rows[0]
    assert radar_row[0] == theme.name
    assert radar_row[2:] == [str(FEWER_THAN_3)] * 3  # residents, professionals, gap
    html = response.content.decode()
    assert FEWER in html

    rows = csv_rows(client.get(links["overview_csv"]).content)
    assert rows[0]["Bewoners aanwezig"] == FEWER
    assert rows[0]["Beroepskrachten aanwezig"] == FEWER
    assert rows[0][f"Verschil in beleving: {theme.name}"] == FEWER
    assert FEWER in xlsx_text(client.get(links["overview_xlsx"]).content)


def test_three_or_more_show_their_figures(client_for, world):
    """The counterpart: with three people in each group, the numbers appear."""
    theme = small_groups(world)
    larger_groups(world, theme)
    client = client_for("coordinator")
    links = urls(world, coalition=world.coalition.slug, pitstop=world.pitstop.number)
    block = client.get(links["overview"]).context["blocks"][0]
    cell = block["cells"][0]
    assert cell.residents_present == 3
    assert cell.professionals_present == 3
    assert cell.compass[theme.pk].gap == 3.0
    assert block["radar"].rows[0][2:] == ["5,0", "2,0", "3,0"]
    rows = csv_rows(client.get(links["overview_csv"]).content)
    assert rows[0]["Bewoners aanwezig"] == "3"
    assert rows[0][f"Verschil in beleving: {theme.name}"] == "3.0"
    assert (
        FEWER not in xlsx_text(client.get(links["overview_xlsx"]).content).split("Kleine dingen")[0]
    )


# --- No private words reach a coordinator ------------------------------------------------------


def test_private_and_held_back_words_reach_no_coordinator_url_or_export(client_for, world):
    theme = world.expedition.themes.first()
    thread = world.pitstop.red_threads.get()
    thread.themes.add(theme)
    secret = [
        ReflectionFactory(
            coalition=world.coalition,
            session=world.session,
            theme=theme,
            text=f"{MARKER} {visibility}",
            visibility=visibility,
            author=world.resident,
        )
        for visibility in (Reflection.Visibility.FACILITATORS, Reflection.Visibility.COALITION)
    ]
    secret.append(
        ReflectionFactory(
            coalition=world.coalition,
            session=world.session,
            theme=theme,
            text=f"{MARKER} held back",
            visibility=Reflection.Visibility.QUOTABLE,
            is_held_back=True,
        )
    )
    shown = ReflectionFactory(
        coalition=world.coalition,
        session=world.session,
        theme=theme,
        text="ZICHTBAAR-citaat",
        visibility=Reflection.Visibility.QUOTABLE,
        author=world.resident,
    )
    thread.evidence.add(*secret, shown)
    client = client_for("coordinator")
    pages = [
        *urls(world).values(),
        *urls(world, pitstop=world.pitstop.number, theme=theme.key).values(),
        *urls(world, coalition=world.coalition.slug).values(),
        world.expedition.get_absolute_url(),
        world.pitstop.get_absolute_url(),  # the published report
        reverse("home"),
    ]
    seen = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            xlsx_text(response.content)
            if url.split("?")[0].endswith(".xlsx")
            else response.content.decode("utf-8-sig")
        )
        assert MARKER not in body, url
        assert world.resident.name not in body, url  # no names either
        seen += body
    assert "ZICHTBAAR-citaat" in seen  # consented words do reach the coordinator


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pitstop": "99"}, "Deze expeditie heeft geen pitstop met dat nummer."),
        ({"pitstop": "abc"}, "Deze expeditie heeft geen pitstop met dat nummer."),
        ({"theme": "bestaat-niet"}, "Deze expeditie heeft dat thema niet."),
        ({"coalition": "nergens"}, "Deze expeditie heeft geen coalitie met die naam."),
        ({"page": "99"}, "Er is geen pagina 99"),
        ({"page": "twee"}, "Dat paginanummer is geen getal."),
    ],
)
def test_unknown_filters_and_pages_give_a_message_not_an_error(client_for, world, query, message):
    client = client_for("coordinator")
    for name, url in urls(world, **query).items():
        response = client.get(url)
        assert response.status_code == 200, url
        if name == "overview":
            assert message in response.content.decode()


def test_a_coalition_of_another_expedition_shows_nothing(client_for, world):
    foreign = CoalitionFactory(slug="elders")
    ReflectionFactory(coalition=foreign, text=MARKER)
    client = client_for("coordinator")
    response = client.get(urls(world, coalition=foreign.slug)["overview"])
    assert response.context["blocks"] == []
    assert "Deze expeditie heeft geen coalitie met die naam." in response.content.decode()
    assert csv_rows(client.get(urls(world, coalition=foreign.slug)["overview_csv"]).content) == []


def test_the_coalition_filter_offers_the_expeditions_coalitions_by_name(client_for, world):
    other = CoalitionFactory(expedition=world.expedition, name="Zuid-Oost", slug="zuid-oost")
    foreign = CoalitionFactory(name="Elders", slug="elders")
    client = client_for("coordinator")
    html = client.get(urls(world)["overview"]).content.decode()
    choices = html.split('id="filter-coalition"')[1].split("</select>")[0]
    assert f'<option value="{world.coalition.slug}"' in choices and world.coalition.name in choices
    assert f'<option value="{other.slug}" >Zuid-Oost</option>' in choices
    assert foreign.slug not in choices  # only the coalitions of this expedition
    assert "selected" not in choices.split("</option>", 1)[1]  # none chosen: "all coalitions"

    # A link with the slug, typed as before or chosen now, still picks that one coalition.
    response = client.get(urls(world, coalition=other.slug)["overview"])
    assert [block["figures"].coalition for block in response.context["blocks"]] == [other]
    assert f'<option value="{other.slug}" selected>' in response.content.decode()


def test_an_expedition_without_data_exports_headers_only(client, db):
    expedition = ExpeditionFactory()
    user = UserFactory(username="coordinator-empty")
    expedition.coordinators.add(user)
    client.force_login(user)
    for name in ("overview", "overview_csv", "overview_xlsx"):
        response = client.get(reverse(f"pitstops:{name}", kwargs={"expedition": expedition.slug}))
        assert response.status_code == 200
    csv_response = client.get(
        reverse("pitstops:overview_csv", kwargs={"expedition": expedition.slug})
    )
    assert csv_rows(csv_response.content) == []
    assert "Coalitie" in csv_response.content.decode("utf-8-sig")


# --- Figures ----------------------------------------------------------------------------------


def test_figures_count_what_happened(client_for, world):
    theme = small_groups(world)
    larger_groups(world, theme)
    AgreementFactory(
        coalition=world.coalition,
        lead=world.resident,
        origin_session=world.session,
        due_on=datetime.date(2020, 1, 1),
    )
    next_session = SessionFactory(pitstop=world.draft_pitstop, coalition=world.coalition)
    for member in world.coalition.members.all()[:4]:
        rate(next_session, member, {theme: 4}, rung=CompassRating.Rung.BY)
    client = client_for("coordinator")
    response = client.get(urls(world, coalition=world.coalition.slug)["overview"])
    figures = response.context["blocks"][0]["figures"]
    first, second = figures.pitstops
    assert first.reflections == 3  # the world's card and two of the members'
    assert first.ladder[CompassRating.Rung.WITH] == 6
    assert second.ladder_shift[CompassRating.Rung.BY] == 4
    assert second.ladder_shift[CompassRating.Rung.WITH] == -6
    assert first.agreements.overdue == 1
    theme_row = next(row for row in figures.themes if row.theme == theme)
    assert theme_row.trend == [3.5, 4.0]
    html = response.content.decode()
    assert "Stijgend" in html  # the trend chart's summary
    assert "(+4)" in html and "(-6)" in html  # the ladder's shift in the per-pitstop table


def test_reflection_counts_stay_current_on_write(world):
    """Summary rows follow every save and delete, and match a full recount."""
    theme = world.expedition.themes.first()
    card = ReflectionFactory(coalition=world.coalition, session=world.session, theme=theme)
    space_card = ReflectionFactory(coalition=world.coalition, theme=theme)
    card.theme = world.expedition.themes.last()
    card.save()
    space_card.delete()
    assert_counts_match_a_recount()


def assert_counts_match_a_recount() -> None:
    """The summary rows as kept on write are what a full recount makes of them."""

    def snapshot():
        return sorted(
            ReflectionTally.objects.filter(count__gt=0).values_list(
                "coalition_id", "pitstop_key", "theme_key", "author_role", "count"
            )
        )

    live = snapshot()
    rebuild_reflection_tallies()
    assert live == snapshot()
    assert sum(row[-1] for row in live) == Reflection.objects.count()


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch):
    """Tests run inside a transaction that never commits: run the recount at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, *a, **k: func())


# --- Scale: the query count does not grow with the data ---------------------------------------


def grow(expedition, size: int) -> None:
    """`size` coalitions with members, sessions at two pitstops, cards, compass, agreements."""
    from coalitions.models import SmallThing

    themes = list(expedition.themes.all())
    pitstops = [PitstopFactory(expedition=expedition) for _ in range(2)]
    for _ in range(size):
        coalition = CoalitionFactory(expedition=expedition)
        members = [
            MemberFactory(coalition=coalition, role=role)
            for role in [Member.Role.RESIDENT] * size + [Member.Role.PROFESSIONAL] * size
        ]
        for pitstop in pitstops:
            session = SessionFactory(pitstop=pitstop, coalition=coalition)
            session.attendees.add(*members)
            for member in members:
                rate(session, member, dict.fromkeys(themes, 3))
                ReflectionFactory(
                    coalition=coalition, session=session, theme=themes[0], author=member
                )
            AgreementFactory(coalition=coalition, origin_session=session, lead=members[0])
        thing = SmallThing.objects.create(coalition=coalition, text="Soep", lead=members[0])
        thing.joiners.add(*members[1:])
    RedThreadFactory(pitstop=pitstops[-1], status="published")


@pytest.mark.parametrize(
    ("name", "query"),
    [("overview", {}), ("overview", {"coalition": "apeldoorn"}), ("overview_csv", {})],
    ids=["page", "one-coalition", "export"],
)
def test_query_count_does_not_grow_with_the_data(client_for, world, name, query):
    client = client_for("coordinator")
    url = urls(world, **query)[name]
    grow(world.expedition, 2)
    client.get(url)  # warm the caches that a first request fills
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(world.expedition, 5)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 30


def test_the_page_holds_twenty_coalitions(client_for, world):
    for _ in range(25):
        CoalitionFactory(expedition=world.expedition)
    client = client_for("coordinator")
    first = client.get(urls(world)["overview"])
    assert len(first.context["blocks"]) == 20
    second = client.get(urls(world, page=2)["overview"])
    assert len(second.context["blocks"]) == 7
    with translation.override("nl"):
        assert "Coalities 21 tot 27 van 27." in second.content.decode()


def test_refresh_overview_recounts_what_bypassed_the_signals(world):
    """A bulk load sends no signals; the nightly command puts the counts right."""
    from django.core.management import call_command

    theme = world.expedition.themes.first()
    Reflection.objects.bulk_create(
        Reflection(coalition=world.coalition, session=world.session, theme=theme, text=f"Bulk {n}")
        for n in range(4)
    )
    counted = ReflectionTally.objects.filter(coalition=world.coalition).aggregate(
        total=models.Sum("count")
    )["total"]
    assert counted == Reflection.objects.count() - 4
    call_command("refresh_overview", stdout=io.StringIO())
    counted = ReflectionTally.objects.filter(coalition=world.coalition).aggregate(
        total=models.Sum("count")
    )["total"]
    assert counted == Reflection.objects.count()


def test_people_on_the_list_and_joined_live_count_once(client_for, world):
    """Attendance: the attendance list and live participants together, each member once."""
    from pitstops.models import Participant

    theme = small_groups(world)
    larger_groups(world, theme)
    Participant.objects.create(session=world.session, member=world.resident)  # also listed
    newcomer = MemberFactory(coalition=world.coalition, name="Nieuw")
    Participant.objects.create(session=world.session, member=newcomer)  # joined live only
    Participant.objects.create(session=world.session, guest_name="Gast")
    client = client_for("coordinator")
    cell = client.get(urls(world, coalition=world.coalition.slug)["overview"]).context["blocks"][0][
        "cells"
    ][0]
    assert cell.residents_present == 4
    assert cell.professionals_present == 3
    assert cell.guests_present == 1


def test_names_in_charts_are_escaped(client_for, world):
    world.coalition.name = '<script>alert("x")</script>'
    world.coalition.save()
    theme = world.expedition.themes.first()
    theme.name_nl = "<b>vet</b>"
    theme.save()
    small_groups(world)
    client = client_for("coordinator")
    for query in ({}, {"coalition": world.coalition.slug}):
        html = client.get(urls(world, **query)["overview"]).content.decode()
        assert "<script>alert" not in html
        assert "<b>vet</b>" not in html
        assert "&lt;script&gt;alert" in html


def test_each_theme_over_all_coalitions(client_for, world):
    """Strong or stuck is counted over every coalition, not only those on the page."""
    theme = world.expedition.themes.first()
    for coalition, score in ((world.coalition, 5), (world.other_coalition, 1)):
        session = (
            world.session
            if coalition == world.coalition
            else SessionFactory(pitstop=world.pitstop, coalition=coalition)
        )
        member = MemberFactory(coalition=coalition)
        rate(session, member, {theme: score})
    for _ in range(25):  # push Voorst off the first page
        CoalitionFactory(expedition=world.expedition, name="Aa")
    response = client_for("coordinator").get(urls(world)["overview"])
    row = next(row for row in response.context["across"] if row.theme == theme)
    assert (row.rated, row.strong, row.stuck, row.mean) == (2, 1, 1, 3.0)
    assert world.other_coalition not in [b["figures"].coalition for b in response.context["blocks"]]


def test_a_card_loaded_moved_and_deleted_moves_its_count(world):
    """Counts follow a card loaded from the database (where it was counted is known) and one
    loaded with fields left out (then its bucket is recounted), as a full recount would."""
    first, last = world.expedition.themes.first(), world.expedition.themes.last()
    card = ReflectionFactory(coalition=world.coalition, session=world.session, theme=first)
    loaded = Reflection.objects.get(pk=card.pk)
    loaded.theme = last
    loaded.save()
    partly = Reflection.objects.only("pk", "text").get(pk=card.pk)
    partly.text = "Anders gezegd"
    partly.save()
    assert_counts_match_a_recount()
    Reflection.objects.get(pk=card.pk).delete()
    assert_counts_match_a_recount()
