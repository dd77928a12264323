"""Suggested red threads in the app: the round read, the background run, and the decisions."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from coalitions.models import Theme
from pitstops import suggesting
from pitstops.models import RedThread, RedThreadSuggestion, Reflection, SuggestionRun
from pitstops.suggesting import SuggestionRefused, accept_suggestion, dismiss_suggestion
from pitstops.tasks import start_suggestion_run
from tests.factories import (
    CoalitionFactory,
    MemberFactory,
    PitstopFactory,
    RedThreadSuggestionFactory,
    ReflectionFactory,
    SessionFactory,
    SuggestionRunFactory,
)

from .test_engine import MONEY, SPACE

HTMX = {"HX-Request": "true"}


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def url(name: str, pitstop, **extra) -> str:
    return reverse(
        f"pitstops:{name}",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number, **extra},
    )


@pytest.fixture
def round_two(world):
    """The second pitstop's round: notes on two topics, in sessions and in the coalition space."""
    pitstop = world.draft_pitstop  # number 2; the first pitstop is on 2026-09-01
    pitstop.starts_on, pitstop.ends_on = datetime.date(2026, 11, 1), datetime.date(2026, 11, 14)
    pitstop.save()
    themes = {theme.key: theme for theme in world.expedition.themes.all()}
    sessions = [
        SessionFactory(pitstop=pitstop, coalition=coalition)
        for coalition in (world.coalition, world.other_coalition)
    ]
    notes = []
    for number, text in enumerate(SPACE):
        notes.append(
            ReflectionFactory(
                coalition=sessions[number % 2].coalition,
                session=sessions[number % 2],
                text=text,
                theme=themes["klein"],
            )
        )
    for number, text in enumerate(MONEY):
        # Written in the coalition's own space between the two pitstops.
        notes.append(
            ReflectionFactory(
                coalition=world.coalition,
                text=text,
                theme=themes["samenkracht"],
                visibility=Reflection.Visibility.FACILITATORS if number == 0 else "coalition",
                created_at=at(datetime.date(2026, 10, 1 + number)),
            )
        )
    return pitstop, notes


def test_of_round_reads_the_sessions_and_the_space_since_the_previous_pitstop(world, round_two):
    pitstop, notes = round_two
    held_back = ReflectionFactory(
        coalition=world.coalition, session=pitstop.sessions.first(), is_held_back=True
    )
    photo_only = ReflectionFactory(
        coalition=world.coalition, session=pitstop.sessions.first(), text="", photo="x.jpg"
    )
    first_days = ReflectionFactory(
        coalition=world.coalition, created_at=at(datetime.date(2026, 9, 1))
    )
    after = ReflectionFactory(coalition=world.coalition, created_at=at(datetime.date(2026, 11, 15)))
    last_day = ReflectionFactory(
        coalition=world.coalition, created_at=at(datetime.date(2026, 11, 14), hour=23)
    )
    elsewhere = ReflectionFactory(created_at=at(datetime.date(2026, 10, 5)))  # other expedition
    found = set(Reflection.objects.of_round(pitstop))
    assert found == {*notes, held_back, photo_only, last_day}
    assert world.card not in found  # a card of the first pitstop's session
    assert not {first_days, after, elsewhere} & found
    # The first pitstop has no previous one: its round reads the space from the start.
    assert first_days in set(Reflection.objects.of_round(world.pitstop))
    assert world.card in set(Reflection.objects.of_round(world.pitstop))
    assert photo_only.pk not in {note.id for note in suggesting.round_notes(pitstop)}


def test_a_run_leaves_out_what_a_red_thread_of_this_pitstop_already_uses(world, round_two):
    pitstop, notes = round_two
    used = RedThread.objects.create(pitstop=pitstop, title="Al geschreven", text="x")
    used.evidence.set(notes[:2])
    elsewhere = RedThread.objects.create(pitstop=world.pitstop, title="Andere ronde", text="x")
    elsewhere.evidence.set(notes[2:4])  # evidence for another pitstop does not count here
    assert {note.id for note in suggesting.round_notes(pitstop)} == {note.pk for note in notes[2:]}


def run_started(pitstop, user, capture) -> SuggestionRun:
    with capture(execute=True):
        return start_suggestion_run(pitstop=pitstop, user=user)


def test_a_run_clusters_the_round_in_the_background_and_stores_its_suggestions(
    world, round_two, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    with django_capture_on_commit_callbacks() as callbacks:
        run = start_suggestion_run(pitstop=pitstop, user=world.user("facilitator"))
        assert run.status == SuggestionRun.Status.QUEUED
    assert len(callbacks) == 1  # enqueued only once the run is committed
    callbacks[0]()
    run.refresh_from_db()
    assert (run.status, run.progress, run.reflection_count, run.error) == ("done", 100, 10, "")
    assert run.finished_at is not None
    groups = [
        (set(suggestion.reflections.all()), {theme.key for theme in suggestion.themes.all()})
        for suggestion in run.suggestions.all()
    ]
    assert sorted(groups, key=lambda group: sorted(group[1])) == [
        (set(notes[:5]), {"klein"}),
        (set(notes[5:]), {"samenkracht"}),
    ]
    assert all(suggestion.title for suggestion in run.suggestions.all())


def test_only_one_run_at_a_time_and_a_stale_one_gives_way(world, round_two):
    """No worker here: the test's transaction never commits, so nothing is enqueued."""
    pitstop, _notes = round_two
    first = start_suggestion_run(pitstop=pitstop, user=world.user("facilitator"))
    assert start_suggestion_run(pitstop=pitstop, user=world.user("superuser")) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionRunFactory(pitstop=pitstop, status=SuggestionRun.Status.RUNNING)
    SuggestionRun.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    second = start_suggestion_run(pitstop=pitstop, user=world.user("facilitator"))
    assert second != first
    first.refresh_from_db()
    assert first.status == SuggestionRun.Status.FAILED
    with translation.override("en"):
        assert "Start it again" in first.error_message


def test_a_run_that_fails_halfway_says_so_and_keeps_earlier_suggestions(
    world, round_two, monkeypatch, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    earlier = RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:2])

    def breaks_halfway(notes, *, method, progress, **options):
        progress(50)
        raise MemoryError

    monkeypatch.setattr(suggesting, "suggest", breaks_halfway)
    run = run_started(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.FAILED
    assert run.progress == 60 and run.error == "MemoryError"
    with translation.override("en"):
        assert "stopped halfway (MemoryError)" in run.error_message
    assert not run.suggestions.exists()
    assert RedThreadSuggestion.objects.get() == earlier
    assert set(earlier.reflections.all()) == set(notes[:2])


def test_a_failure_while_storing_stores_nothing(
    world, round_two, monkeypatch, django_capture_on_commit_callbacks
):
    pitstop, _notes = round_two
    through = RedThreadSuggestion.themes.through

    def breaks(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(through.objects, "bulk_create", breaks)
    run = run_started(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.FAILED
    assert not RedThreadSuggestion.objects.exists()
    assert not RedThreadSuggestion.reflections.through.objects.exists()


def test_accepting_makes_a_draft_red_thread_with_the_reflections_as_evidence(world, round_two):
    pitstop, notes = round_two
    suggestion = RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:3])
    suggestion.themes.set(Theme.objects.filter(expedition=world.expedition, key="klein"))
    existing = RedThread.objects.create(pitstop=pitstop, title="Eerder", text="x", position=4)
    thread = accept_suggestion(
        suggestion=suggestion, user=world.user("facilitator"), title="  Een plek  "
    )
    assert (thread.title, thread.status, thread.position) == ("Een plek", "draft", 5)
    assert set(thread.evidence.all()) == set(notes[:3])
    assert [theme.key for theme in thread.themes.all()] == ["klein"]
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.red_thread == thread
    assert suggestion.decided_by == world.user("facilitator")
    with pytest.raises(SuggestionRefused):
        accept_suggestion(suggestion=suggestion, user=world.user("superuser"))
    with pytest.raises(SuggestionRefused):
        dismiss_suggestion(suggestion=suggestion, user=world.user("superuser"))
    assert RedThread.objects.filter(pitstop=pitstop).count() == 2
    assert existing.position == 4


# --- The page -------------------------------------------------------------------------------


def test_the_facilitator_starts_a_run_and_the_panel_polls_until_it_is_done(
    client_for, world, round_two, django_capture_on_commit_callbacks
):
    pitstop, _notes = round_two
    client = client_for("facilitator")
    page = client.get(url("suggestions", pitstop))
    assert "Suggesties maken" in page.text and 'hx-trigger="every 2s"' not in page.text
    with django_capture_on_commit_callbacks() as callbacks:
        started = client.post(url("suggestions_start", pitstop), headers=HTMX)
    assert started.status_code == 200
    assert 'hx-trigger="every 2s"' in started.text and "<progress" in started.text
    assert "<html" not in started.text  # the fragment only
    for callback in callbacks:
        callback()  # the worker picks the task up
    done = client.get(url("suggestions_progress", pitstop), headers=HTMX)
    assert 'hx-trigger="every 2s"' not in done.text
    assert "Maak er een concept-rode draad van" in done.text
    assert done.text.count("<article") == 2


def test_without_javascript_the_start_button_posts_and_comes_back(client_for, world, round_two):
    pitstop, _notes = round_two
    response = client_for("facilitator").post(url("suggestions_start", pitstop))
    assert response.status_code == 302
    assert response["Location"] == url("suggestions", pitstop)
    assert SuggestionRun.objects.filter(pitstop=pitstop).count() == 1


def test_a_failed_run_shows_its_message_beside_the_earlier_suggestions(
    client_for, world, round_two
):
    pitstop, notes = round_two
    RedThreadSuggestionFactory(run__pitstop=pitstop, title="Een plek om te zijn", reflections=notes)
    SuggestionRunFactory(pitstop=pitstop, status="failed", error="MemoryError")
    response = client_for("facilitator").get(url("suggestions", pitstop))
    assert "halverwege gestopt (MemoryError)" in response.text
    assert "Een plek om te zijn" in response.text
    assert "Nieuwe suggesties maken" in response.text


def test_accept_from_the_page_and_a_bad_title_keeps_what_was_typed(client_for, world, round_two):
    pitstop, notes = round_two
    suggestion = RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:2])
    client = client_for("facilitator")
    too_long = "Een titel die veel te lang is " * 8
    response = client.post(
        url("suggestion_accept", pitstop, pk=suggestion.pk), {"title": too_long}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Houd het kort" in response.text and too_long.strip() in response.text
    assert not RedThread.objects.filter(pitstop=pitstop).exists()
    response = client.post(
        url("suggestion_accept", pitstop, pk=suggestion.pk), {"title": ""}, headers=HTMX
    )
    assert "Geef de rode draad een titel." in response.text
    response = client.post(
        url("suggestion_accept", pitstop, pk=suggestion.pk), {"title": "Samen een plek"}
    )
    assert response.status_code == 302
    thread = RedThread.objects.get(pitstop=pitstop)
    assert thread.title == "Samen een plek" and set(thread.evidence.all()) == set(notes[:2])
    again = client.post(
        url("suggestion_accept", pitstop, pk=suggestion.pk), {"title": "Nog eens"}, headers=HTMX
    )
    assert again.status_code == 200 and "Iemand heeft al over deze suggestie beslist." in again.text
    assert RedThread.objects.filter(pitstop=pitstop).count() == 1


def test_dismiss_takes_the_suggestion_off_the_list(client_for, world, round_two):
    pitstop, notes = round_two
    suggestion = RedThreadSuggestionFactory(
        run__pitstop=pitstop, title="Weg ermee", reflections=notes[:2]
    )
    response = client_for("facilitator").post(
        url("suggestion_dismiss", pitstop, pk=suggestion.pk), headers=HTMX
    )
    assert "Suggestie genegeerd." in response.text and "Weg ermee" not in response.text
    suggestion.refresh_from_db()
    assert suggestion.status == "dismissed"


def test_a_suggestion_of_another_pitstop_is_not_found_here(client_for, world, round_two):
    pitstop, _notes = round_two
    other = RedThreadSuggestionFactory(run__pitstop=world.pitstop, reflections=[world.card])
    client = client_for("facilitator")
    for name in ("suggestion_accept", "suggestion_dismiss"):
        assert client.post(url(name, pitstop, pk=other.pk), {"title": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


@pytest.mark.parametrize(
    "role", ["resident", "professional", "outsider", "coordinator", "stranger"]
)
def test_only_the_facilitation_team_may_start_accept_or_dismiss(client_for, world, round_two, role):
    pitstop, notes = round_two
    suggestion = RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:2])
    client = client_for(role)
    assert client.post(url("suggestions_start", pitstop)).status_code == 404
    for name in ("suggestion_accept", "suggestion_dismiss"):
        assert client.post(url(name, pitstop, pk=suggestion.pk), {"title": "x"}).status_code == 404
    assert not SuggestionRun.objects.filter(status="queued").exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "open"


def test_a_facilitator_of_another_expedition_gets_a_404(client, world, round_two):
    pitstop, _notes = round_two
    stranger_pitstop = PitstopFactory()
    facilitator = world.user("facilitator")
    stranger_pitstop.expedition.facilitators.add(world.user("stranger"))
    client.force_login(world.user("stranger"))
    assert client.get(url("suggestions", pitstop)).status_code == 404
    client.force_login(facilitator)
    assert client.get(url("suggestions", stranger_pitstop)).status_code == 404


def test_the_panel_shows_no_names_and_its_queries_do_not_grow(
    client_for, world, round_two, django_assert_max_num_queries, django_assert_num_queries
):
    pitstop, notes = round_two
    named = MemberFactory(coalition=world.coalition, name="Wilhelmina Zegers")
    notes[0].author = named
    notes[0].save()
    RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:3])
    client = client_for("facilitator")
    with django_assert_max_num_queries(20) as few:
        response = client.get(url("suggestions_progress", pitstop))
    assert notes[0].text in response.text and "Wilhelmina" not in response.text
    run = SuggestionRunFactory(pitstop=pitstop)
    more = [
        ReflectionFactory(coalition=CoalitionFactory(expedition=world.expedition))
        for _ in range(15)
    ]
    for _ in range(6):
        RedThreadSuggestionFactory(run=run, reflections=[*more, *notes])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url("suggestions_progress", pitstop))
    assert response.text.count("<article") == 6
    assert "En nog 17 reflecties." in response.text


@pytest.fixture
def shipped_themes(transactional_db):
    """Transactional tests empty every table afterwards, the shipped themes too: put them back."""
    shipped = importlib.import_module("coalitions.migrations.0002_default_themes")
    shipped.add_default_themes(django_apps, schema_editor=None)


# Transactional: the worker closes its connection, as it does in production.
def test_the_database_backend_queues_the_run_and_db_worker_does_it(
    shipped_themes, world, round_two, settings
):
    """The production path: the task waits in the database until `manage.py db_worker` runs."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    pitstop, _notes = round_two
    run = start_suggestion_run(pitstop=pitstop, user=world.user("facilitator"))
    assert DBTaskResult.objects.get().task_path == "pitstops.tasks.make_suggestions"
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.QUEUED  # nothing runs inside the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.DONE and run.suggestions.count() == 2
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
