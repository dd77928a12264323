"""Suggestions that learn from the team: more or fewer groups, dismissals, why, and "still here"."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max

from pitstops import suggesting
from pitstops.models import RedThread, RedThreadSuggestion, SuggestionRun
from pitstops.suggesting import accept_suggestion, dismiss_suggestion
from pitstops.tasks import start_suggestion_run
from tests.factories import (
    CoalitionFactory,
    PitstopFactory,
    RedThreadFactory,
    RedThreadSuggestionFactory,
    ReflectionFactory,
    SuggestionRunFactory,
)

from . import test_runs
from .test_engine import SPACE
from .test_runs import HTMX, url

round_two = test_runs.round_two  # the same round: two topics, in sessions and the space

# The first pitstop's words on the same trouble as this round's SPACE notes, and on another.
EARLIER_SPACE = [
    "Het buurthuis sluit te vroeg, bewoners staan voor een dichte deur.",
    "Als het buurthuis dicht is, kan de buurt nergens terecht.",
    "De buurt wil dat het buurthuis 's avonds open blijft.",
]
UNRELATED = [
    "De voetbalclub zoekt nieuwe trainers voor de jeugd.",
    "Op zaterdag speelt de jeugd van de voetbalclub thuis.",
    "De trainers van de voetbalclub willen een cursus volgen.",
]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def run_now(pitstop, user, capture, **options) -> SuggestionRun:
    with capture(execute=True):
        run = start_suggestion_run(pitstop=pitstop, user=user, **options)
    run.refresh_from_db()
    return run


def earlier_thread(world, texts, *, title="Eerder") -> RedThread:
    """A red thread of the first pitstop, with cards of its session as evidence."""
    thread = RedThreadFactory(pitstop=world.pitstop, title=title, status="published")
    thread.evidence.set(
        ReflectionFactory(coalition=world.coalition, session=world.session, text=text)
        for text in texts
    )
    return thread


# --- More or fewer groups ---------------------------------------------------------------------


def test_more_and_fewer_groups_start_a_run_a_step_from_the_last_and_stop_at_the_ends(
    client_for, world, round_two
):
    pitstop, _notes = round_two
    client = english(client_for("facilitator"))
    SuggestionRunFactory(pitstop=pitstop, granularity=2)
    page = client.get(url("suggestions", pitstop)).text
    assert "More groups than usual (2 steps)." in page
    assert 'value="more" class="btn btn-outline-primary btn-touch">' in page  # not disabled
    assert client.post(url("suggestions_start", pitstop), {"groups": "more"}).status_code == 302
    run = SuggestionRun.objects.get(status="queued")
    assert run.granularity == 3
    run.status = "done"
    run.save()
    page = client.get(url("suggestions", pitstop)).text
    assert 'value="more" class="btn btn-outline-primary btn-touch" disabled>' in page
    assert 'value="fewer" class="btn btn-outline-primary btn-touch">' in page
    client.post(url("suggestions_start", pitstop), {"groups": "more"}, headers=HTMX)
    assert SuggestionRun.objects.get(status="queued").granularity == 3  # clamped
    SuggestionRun.objects.filter(status="queued").update(status="done")
    client.post(url("suggestions_start", pitstop), {"groups": "fewer"})
    assert SuggestionRun.objects.get(status="queued").granularity == 2
    SuggestionRun.objects.filter(status="queued").update(status="done")
    client.post(url("suggestions_start", pitstop), {"groups": "nonsense"})  # a plain new run
    assert SuggestionRun.objects.get(status="queued").granularity == 2


def test_fewer_groups_stops_at_the_low_end(world, round_two):
    pitstop, _notes = round_two
    SuggestionRunFactory(pitstop=pitstop, granularity=-3)
    assert suggesting.granularity_after(pitstop, -1) == -3
    assert suggesting.granularity_after(pitstop, 1) == -2
    assert start_suggestion_run(pitstop=pitstop, user=None, granularity=-9).granularity == -3


def test_the_run_asks_the_engine_for_its_granularity_and_the_dismissed_groups(
    world, round_two, monkeypatch, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:3], status="dismissed")
    RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[3:5])  # open: no lesson
    asked = {}

    def fake_suggest(notes, **options):
        asked.update(options)
        return []

    monkeypatch.setattr(suggesting, "suggest", fake_suggest)
    run = run_now(
        pitstop, world.user("facilitator"), django_capture_on_commit_callbacks, granularity=-2
    )
    assert run.status == "done" and run.granularity == -2
    assert asked["granularity"] == -2
    assert asked["dismissed"] == [frozenset(note.pk for note in notes[:3])]
    assert asked["embedded"].shape == (len(notes), 512)  # the kept vectors, read once


# --- Learning from dismissals and saying why -------------------------------------------------


def test_a_dismissed_group_is_not_offered_again_and_each_suggestion_says_why(
    client_for, world, round_two, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    space_ids = {note.pk for note in notes[:5]}
    first = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    space = next(
        suggestion
        for suggestion in first.suggestions.all()
        if {reflection.pk for reflection in suggestion.reflections.all()} <= space_ids
    )
    words = dict(space.why)
    assert words["buurthuis"] >= 4
    page = english(client_for("facilitator")).get(url("suggestions", pitstop)).text
    assert "Why these belong together:" in page
    assert f"buurthuis ({words['buurthuis']} reflections)" in page
    dismiss_suggestion(suggestion=space, user=world.user("facilitator"))
    second = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    offered = [
        {reflection.pk for reflection in suggestion.reflections.all()}
        for suggestion in second.suggestions.all()
    ]
    assert offered and not any(ids & space_ids for ids in offered)


# --- Still here -------------------------------------------------------------------------------


def test_an_earlier_red_thread_that_recurs_is_offered_first_and_an_unrelated_one_is_not(
    client_for, world, round_two, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    recurring = earlier_thread(world, EARLIER_SPACE, title="Een buurthuis dat open is")
    earlier_thread(world, UNRELATED, title="De voetbalclub")
    # The same words in another expedition are none of this team's business.
    elsewhere = PitstopFactory(number=1)
    other = RedThreadFactory(pitstop=elsewhere, title="Elders")
    other.evidence.set(
        ReflectionFactory(coalition=CoalitionFactory(expedition=elsewhere.expedition), text=text)
        for text in EARLIER_SPACE
    )
    run = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    first, *rest = run.suggestions.all()
    assert first.continues == recurring and first.title == recurring.title
    assert not any(suggestion.continues_id for suggestion in rest)
    carried = {reflection.pk for reflection in first.reflections.all()}
    assert len(carried) >= 3 and carried <= {note.pk for note in notes[:5]}

    page = english(client_for("facilitator")).get(url("suggestions", pitstop)).text
    assert page.index("Still here") < page.index(f'id="suggestion-{rest[0].pk}"')
    assert "Still here from pitstop 1: “Een buurthuis dat open is”." in page
    assert not any(text in page for text in EARLIER_SPACE)  # seeds only, never shown
    assert "Elders" not in page and "voetbal" not in page.lower()

    thread = accept_suggestion(suggestion=first, user=world.user("facilitator"))
    assert thread.continues == recurring and thread.pitstop == pitstop
    assert set(thread.evidence.all()) == {note for note in notes if note.pk in carried}
    again = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    assert not again.suggestions.filter(continues__isnull=False).exists()  # continued already


def test_a_dismissed_still_here_is_not_offered_again(
    world, round_two, django_capture_on_commit_callbacks
):
    pitstop, _notes = round_two
    recurring = earlier_thread(world, EARLIER_SPACE)
    run = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    still = run.suggestions.get(continues=recurring)
    dismiss_suggestion(suggestion=still, user=world.user("facilitator"))
    again = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    assert not again.suggestions.filter(continues__isnull=False).exists()


def test_the_panel_queries_do_not_grow_with_still_here_and_why(
    client_for, world, round_two, django_assert_max_num_queries, django_assert_num_queries
):
    pitstop, notes = round_two
    RedThreadSuggestionFactory(run__pitstop=pitstop, reflections=notes[:3])
    client = client_for("facilitator")
    with django_assert_max_num_queries(20) as few:
        client.get(url("suggestions_progress", pitstop))
    run = SuggestionRunFactory(pitstop=pitstop)
    for number in range(4):
        RedThreadSuggestionFactory(
            run=run,
            reflections=notes,
            why=[["buurthuis", 5], ["dicht", 4]],
            continues=earlier_thread(world, EARLIER_SPACE, title=f"Eerder {number}"),
            position=number,
        )
    for _number in range(4):
        RedThreadSuggestionFactory(run=run, reflections=notes[5:], why=[["subsidie", 5]])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url("suggestions_progress", pitstop))
    assert response.text.count("<article") == 8


def test_positions_put_still_here_first(world, round_two, django_capture_on_commit_callbacks):
    pitstop, _notes = round_two
    earlier_thread(world, EARLIER_SPACE)
    run = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    positions = list(run.suggestions.values_list("position", "continues"))
    assert positions[0][0] == 1 and positions[0][1] is not None
    assert run.suggestions.aggregate(last=Max("position"))["last"] == len(positions)
    assert RedThreadSuggestion.objects.filter(run=run, continues__isnull=False).count() == 1


def test_still_here_needs_at_least_three_close_reflections(
    world, round_two, django_capture_on_commit_callbacks
):
    pitstop, notes = round_two
    # Only two of this round's notes are about the buurthuis now.
    for note in notes[2:5]:
        note.text = "De vrijwilligers van de moestuin delen de oogst."
        note.save()
    earlier_thread(world, [SPACE[0], *EARLIER_SPACE])
    run = run_now(pitstop, world.user("facilitator"), django_capture_on_commit_callbacks)
    assert not run.suggestions.filter(continues__isnull=False).exists()
