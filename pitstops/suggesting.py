"""Suggested red threads in the app: start a run, do it in the background, accept or dismiss.

The clustering itself is plain Python in `pitstops.suggestions`; this module reads the round from
the database, stores what the run finds, and keeps every write in a small service function.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coalitions.models import Theme

from .models import Pitstop, RedThread, RedThreadSuggestion, Reflection, SuggestionRun
from .suggestions import DEFAULT_METHOD, Note, suggest

logger = logging.getLogger(__name__)

# Progress is written to the database at most every this many percent: a poll every 2 s needs
# no finer steps, and 10,000 reflections must not cost 10,000 updates.
PROGRESS_STEP = 5


class SuggestionRefused(Exception):
    """A change to a suggestion that cannot be made; the message says why, in the user's words."""


def latest_run(pitstop: Pitstop) -> SuggestionRun | None:
    return pitstop.suggestion_runs.order_by("-created_at", "-pk").first()


def latest_done_run(pitstop: Pitstop) -> SuggestionRun | None:
    return pitstop.suggestion_runs.filter(status=SuggestionRun.Status.DONE).first()


def start_suggestion_run(*, pitstop: Pitstop, user: Any) -> SuggestionRun:
    """Queue a run for this pitstop, or hand back the one already under way.

    The task is enqueued only once the run is committed, so the worker always finds it.
    """
    from .tasks import make_suggestions

    with transaction.atomic():
        # A worker that died leaves its run active for ever; let it go so a new one can start.
        pitstop.suggestion_runs.stale().update(
            status=SuggestionRun.Status.FAILED,
            error=SuggestionRun.STALE,
            finished_at=timezone.now(),
        )
        active = pitstop.suggestion_runs.active().first()
        if active is not None:
            return active
        try:
            with transaction.atomic():
                run = SuggestionRun.objects.create(
                    pitstop=pitstop, started_by=user, method=DEFAULT_METHOD
                )
        except IntegrityError:  # another facilitator started one a moment ago
            return pitstop.suggestion_runs.active().get()
        transaction.on_commit(lambda: make_suggestions.enqueue(run.pk))
    return run


def _set_progress(run: SuggestionRun, percent: int) -> None:
    percent = max(0, min(100, percent))
    if percent >= run.progress + PROGRESS_STEP or (percent == 100 and run.progress < 100):
        run.progress = percent
        SuggestionRun.objects.filter(pk=run.pk).update(progress=percent)


def round_notes(pitstop: Pitstop) -> list[Note]:
    """The round's reflections with words that no red thread of this pitstop uses yet.

    Words already used as evidence are written up: a new run looks for what is still unsaid
    (and does not offer an accepted suggestion again). Photos without words are left out too.
    """
    used = RedThread.evidence.through.objects.filter(redthread__pitstop=pitstop)
    rows = (
        Reflection.objects.of_round(pitstop)
        .exclude(text="")
        .exclude(pk__in=used.values("reflection_id"))
        .order_by("pk")
        .values_list("pk", "text", "theme__key")
    )
    return [Note(id=pk, text=text, theme=theme or "") for pk, text, theme in rows]


def run_suggestions(run_id: int) -> None:
    """The background task's work: cluster the round and store the suggestions when done.

    Suggestions are stored in one transaction at the end: a run that fails halfway stores none,
    is marked failed with a message, and what earlier runs found stays as it was.
    """
    # Claimed in one statement: a task delivered twice still runs once.
    claimed = SuggestionRun.objects.filter(pk=run_id, status=SuggestionRun.Status.QUEUED).update(
        status=SuggestionRun.Status.RUNNING
    )
    if not claimed:
        return  # deleted, or already taken by another worker
    run = SuggestionRun.objects.select_related("pitstop").get(pk=run_id)
    try:
        notes = round_notes(run.pitstop)
        SuggestionRun.objects.filter(pk=run.pk).update(reflection_count=len(notes))
        clusters = suggest(
            notes,
            method=run.method,
            progress=lambda percent: _set_progress(run, percent * 95 // 100),
        )
        store_suggestions(run=run, clusters=clusters)
    except Exception as exc:
        logger.exception("suggestion run %s failed", run.pk)
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=SuggestionRun.Status.FAILED,
            error=type(exc).__name__,
            finished_at=timezone.now(),
        )
        raise


def store_suggestions(*, run: SuggestionRun, clusters: list) -> None:
    """Save a finished run's clusters and mark it done, all at once or not at all."""
    themes = {
        theme.key: theme.pk for theme in Theme.objects.filter(expedition=run.pitstop.expedition_id)
    }
    with transaction.atomic():
        suggestions = RedThreadSuggestion.objects.bulk_create(
            RedThreadSuggestion(run=run, position=position, title=cluster.title[:200])
            for position, cluster in enumerate(clusters, start=1)
        )
        Reflections = RedThreadSuggestion.reflections.through
        Themes = RedThreadSuggestion.themes.through
        Reflections.objects.bulk_create(
            Reflections(redthreadsuggestion_id=suggestion.pk, reflection_id=reflection_id)
            for suggestion, cluster in zip(suggestions, clusters, strict=True)
            for reflection_id in cluster.ids
        )
        Themes.objects.bulk_create(
            Themes(redthreadsuggestion_id=suggestion.pk, theme_id=themes[key])
            for suggestion, cluster in zip(suggestions, clusters, strict=True)
            for key in cluster.themes
            if key in themes
        )
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=SuggestionRun.Status.DONE, progress=100, finished_at=timezone.now()
        )


def _decide(suggestion: RedThreadSuggestion) -> RedThreadSuggestion:
    """Lock the suggestion for this decision; refuse it when someone else decided first."""
    locked = RedThreadSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != RedThreadSuggestion.Status.OPEN:
        raise SuggestionRefused(_("Someone already decided on this suggestion."))
    return locked


def dismiss_suggestion(*, suggestion: RedThreadSuggestion, user: Any) -> RedThreadSuggestion:
    with transaction.atomic():
        locked = _decide(suggestion)
        locked.status = RedThreadSuggestion.Status.DISMISSED
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked


def accept_suggestion(
    *, suggestion: RedThreadSuggestion, user: Any, title: str | None = None
) -> RedThread:
    """Make a draft red thread of a suggestion: its title, themes and reflections as evidence.

    The facilitator may change the title first. The draft goes last among the pitstop's red
    threads, and its text is left for the facilitators to write.
    """
    with transaction.atomic():
        locked = _decide(suggestion)
        pitstop = locked.run.pitstop
        last = pitstop.red_threads.aggregate(last=Max("position"))["last"] or 0
        thread = RedThread.objects.create(
            pitstop=pitstop,
            position=last + 1,
            title=(title or locked.title).strip()[:200],
            text="",
            status=RedThread.Status.DRAFT,
        )
        thread.themes.set(locked.themes.all())
        # Only reflections of this pitstop's round: a suggestion never carries others, but the
        # evidence rule belongs here too.
        thread.evidence.set(locked.reflections.filter(pk__in=Reflection.objects.of_round(pitstop)))
        locked.status = RedThreadSuggestion.Status.ACCEPTED
        locked.red_thread = thread
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "red_thread", "decided_by", "decided_at"])
    return thread
