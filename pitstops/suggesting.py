"""Suggested red threads in the app: start a run, do it in the background, accept or dismiss.

The clustering itself is plain Python in `pitstops.suggestions`; this module reads the round from
the database, stores what the run finds, and keeps every write in a small service function.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coalitions.models import Theme

from .models import OwnConcept, Pitstop, RedThread, RedThreadSuggestion, Reflection, SuggestionRun
from .suggestions import COMBINED, DEFAULT_METHOD, EMBEDDINGS, Note, suggest
from .suggestions.engine import GRANULARITY_RANGE, OwnWords, rank_like_each
from .vectors import embeddings_for

logger = logging.getLogger(__name__)

# Progress is written to the database at most every this many percent: a poll every 2 s needs
# no finer steps, and 10,000 reflections must not cost 10,000 updates.
PROGRESS_STEP = 5
# A red thread of an earlier pitstop is "still here" when at least STILL_HERE_MIN of this round's
# reflections are this close (cosine) to its evidence. Checked on the demo's first round (74
# unused reflections, 6 red threads): 0.45 picks 4-9 on-topic reflections per thread, where the
# closeness drops from ~0.45 to ~0.3; the rest of the round stays out. Checked again in the
# concern space, on the demo's third pitstop: the same two of six threads recur, each with 4.
STILL_HERE_CLOSENESS = 0.45
STILL_HERE_MIN = 3
STILL_HERE_MAX = 8


class SuggestionRefused(Exception):
    """A change to a suggestion that cannot be made; the message says why, in the user's words."""


def latest_run(pitstop: Pitstop) -> SuggestionRun | None:
    return pitstop.suggestion_runs.order_by("-created_at", "-pk").first()


def latest_done_run(pitstop: Pitstop) -> SuggestionRun | None:
    return pitstop.suggestion_runs.filter(status=SuggestionRun.Status.DONE).first()


def clamp_granularity(granularity: int) -> int:
    return max(GRANULARITY_RANGE.start, min(GRANULARITY_RANGE.stop - 1, granularity))


def granularity_after(pitstop: Pitstop, step: int) -> int:
    """The latest run's granularity moved `step` (+1 more groups, -1 fewer), kept in range.

    A plain new run (step 0) keeps what the team asked for last time.
    """
    run = latest_run(pitstop)
    return clamp_granularity((run.granularity if run is not None else 0) + step)


def granularity_in_words(granularity: int) -> str:
    """How many groups a run asked for, said in words rather than as a number of steps."""
    if granularity == 0:
        return _("The usual number of groups.")
    steps = abs(granularity)
    if granularity > 0:
        return ngettext(
            "More groups than usual (%(steps)d step).",
            "More groups than usual (%(steps)d steps).",
            steps,
        ) % {"steps": steps}
    return ngettext(
        "Fewer groups than usual (%(steps)d step).",
        "Fewer groups than usual (%(steps)d steps).",
        steps,
    ) % {"steps": steps}


def open_suggestion_run(
    *, pitstop: Pitstop, user: Any, granularity: int = 0
) -> tuple[SuggestionRun, bool]:
    """A new queued run for this pitstop (and True), or the one already under way (and False).

    `granularity` asks for more groups (above 0) or fewer (below); it is kept in range.
    Queuing the task is `pitstops.tasks.start_suggestion_run`'s part: the task runs this module,
    so this module does not import the tasks.
    """
    with transaction.atomic():
        # A worker that died leaves its run active for ever; let it go so a new one can start.
        pitstop.suggestion_runs.stale().update(
            status=SuggestionRun.Status.FAILED,
            error=SuggestionRun.STALE,
            finished_at=timezone.now(),
        )
        active = pitstop.suggestion_runs.active().first()
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = SuggestionRun.objects.create(
                    pitstop=pitstop,
                    started_by=user,
                    method=DEFAULT_METHOD,
                    granularity=clamp_granularity(granularity),
                )
        except IntegrityError:  # another facilitator started one a moment ago
            return pitstop.suggestion_runs.active().get(), False
    return run, True


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


def dismissed_groups(pitstop: Pitstop) -> list[frozenset[int]]:
    """The reflections of each suggestion the team dismissed in this pitstop, in any run."""
    Reflections = RedThreadSuggestion.reflections.through
    groups: dict[int, set[int]] = {}
    for suggestion_id, reflection_id in Reflections.objects.filter(
        redthreadsuggestion__run__pitstop=pitstop,
        redthreadsuggestion__status=RedThreadSuggestion.Status.DISMISSED,
    ).values_list("redthreadsuggestion_id", "reflection_id"):
        groups.setdefault(suggestion_id, set()).add(reflection_id)
    return [frozenset(ids) for ids in groups.values()]


@dataclass(frozen=True)
class StillHere:
    """An earlier red thread that recurs, and the round's reflections that carry it now."""

    thread: RedThread
    ids: list[int]


def earlier_threads(pitstop: Pitstop) -> list[RedThread]:
    """Red threads of this expedition's earlier pitstops that may recur in this round.

    Left out: those the team continued in this pitstop already, and those whose "still here"
    suggestion it dismissed. Their evidence is read as seeds only, never shown.
    """
    continued = RedThread.objects.filter(pitstop=pitstop, continues__isnull=False)
    dismissed = RedThreadSuggestion.objects.filter(
        run__pitstop=pitstop,
        status=RedThreadSuggestion.Status.DISMISSED,
        continues__isnull=False,
    )
    return list(
        RedThread.objects.filter(
            pitstop__expedition=pitstop.expedition_id,
            pitstop__number__lt=pitstop.number,
            evidence__isnull=False,
        )
        .exclude(pk__in=continued.values("continues"))
        .exclude(pk__in=dismissed.values("continues"))
        .distinct()
        .order_by("pitstop__number", "position", "pk")
        .prefetch_related(
            "themes",
            Prefetch(
                "evidence",
                queryset=Reflection.objects.exclude(text="").only("pk", "text").order_by("pk"),
            ),
        )
    )


def still_here(
    *,
    pitstop: Pitstop,
    notes: list[Note],
    method: str,
    embedded: np.ndarray | None = None,
    own: OwnWords | None = None,
) -> list[StillHere]:
    """Earlier red threads that recur in this round, each with the round's notes closest to it.

    All earlier threads are compared in one pass: their evidence's vectors are read in one go,
    and the round's notes are turned into vectors once, however many threads there are.
    """
    threads = [thread for thread in earlier_threads(pitstop) if thread.evidence.all()]
    groups = [
        [Note(id=note.pk, text=note.text) for note in thread.evidence.all()] for thread in threads
    ]
    if not groups or not notes:
        return []
    both = None
    if embedded is not None:
        seeds = [(note.id, note.text) for group in groups for note in group]
        both = np.vstack([embedded, embeddings_for(seeds)])
    found = []
    for thread, ranked in zip(
        threads,
        rank_like_each(notes, groups, method=method, embedded=both, own_words=own),
        strict=True,
    ):
        close = [note_id for note_id, closeness in ranked if closeness >= STILL_HERE_CLOSENESS]
        if len(close) >= STILL_HERE_MIN:
            found.append(StillHere(thread=thread, ids=close[:STILL_HERE_MAX]))
    return found


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
        embedded = None
        clustering_from = 0
        if run.method in (EMBEDDINGS, COMBINED):
            # Kept vectors make a second run (and "more like this") quick: encode only what is new.
            clustering_from = 30
            embedded = embeddings_for(
                [(note.id, note.text) for note in notes],
                lambda percent: _set_progress(run, percent * clustering_from // 100),
            )
        own = OwnConcept.objects.of_pitstop(run.pitstop_id).as_words()
        clusters = suggest(
            notes,
            method=run.method,
            granularity=run.granularity,
            dismissed=dismissed_groups(run.pitstop),
            progress=lambda percent: _set_progress(
                run, clustering_from + percent * (90 - clustering_from) // 100
            ),
            embedded=embedded,
            own_words=own,
        )
        recurring = still_here(
            pitstop=run.pitstop, notes=notes, method=run.method, embedded=embedded, own=own
        )
        store_suggestions(run=run, clusters=clusters, still_here=recurring)
    except Exception as exc:
        logger.exception("suggestion run %s failed", run.pk)
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=SuggestionRun.Status.FAILED,
            error=type(exc).__name__,
            finished_at=timezone.now(),
        )
        raise


def store_suggestions(
    *, run: SuggestionRun, clusters: list, still_here: Sequence[StillHere] = ()
) -> None:
    """Save a finished run's clusters and mark it done, all at once or not at all.

    "Still here" suggestions come first: the team sees what recurs before what is new.
    """
    themes = {
        theme.key: theme.pk for theme in Theme.objects.filter(expedition=run.pitstop.expedition_id)
    }
    recurring = [
        (
            RedThreadSuggestion(
                run=run, position=position, title=found.thread.title[:200], continues=found.thread
            ),
            found.ids,
            [theme.key for theme in found.thread.themes.all()],
        )
        for position, found in enumerate(still_here, start=1)
    ]
    grouped = [
        (
            RedThreadSuggestion(
                run=run,
                position=position,
                title=cluster.title[:200],
                why=[[word, count] for word, count in cluster.why],
            ),
            cluster.ids,
            cluster.themes,
        )
        for position, cluster in enumerate(clusters, start=len(recurring) + 1)
    ]
    made = recurring + grouped
    with transaction.atomic():
        RedThreadSuggestion.objects.bulk_create(suggestion for suggestion, _ids, _keys in made)
        Reflections = RedThreadSuggestion.reflections.through
        Themes = RedThreadSuggestion.themes.through
        Reflections.objects.bulk_create(
            Reflections(redthreadsuggestion_id=suggestion.pk, reflection_id=reflection_id)
            for suggestion, ids, _keys in made
            for reflection_id in ids
        )
        Themes.objects.bulk_create(
            Themes(redthreadsuggestion_id=suggestion.pk, theme_id=themes[key])
            for suggestion, _ids, keys in made
            for key in keys
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
            continues_id=locked.continues_id,
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
