"""Background tasks (django.tasks; `manage.py db_worker` runs them, tests run them at once).

Each task is queued from here too, once what it needs is committed, so the modules a task runs
(pitstops.suggesting, pitstops.vectors) never import this one: the imports go one way.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.tasks import task

from .models import Pitstop, SuggestionRun
from .suggesting import open_suggestion_run, run_suggestions
from .vectors import keep_round

# While a task keeps a round's vectors, pages do not queue another. After this long (a worker
# that died) the next page may queue one again; a second task is harmless, only wasted work.
PREPARING_SECONDS = 15 * 60


@task
def make_suggestions(run_id: int) -> None:
    """Cluster a pitstop's round into suggested red threads (see pitstops.suggesting)."""
    run_suggestions(run_id)


def start_suggestion_run(*, pitstop: Pitstop, user: Any, granularity: int = 0) -> SuggestionRun:
    """Queue a run for this pitstop, or hand back the one already under way.

    The task is enqueued only once the run is committed, so the worker always finds it.
    """
    run, is_new = open_suggestion_run(pitstop=pitstop, user=user, granularity=granularity)
    if is_new:
        transaction.on_commit(lambda: make_suggestions.enqueue(run.pk))
    return run


@task
def keep_round_vectors(pitstop_id: int) -> None:
    """Encode and keep the sentence embeddings of a whole round, for "more like this"."""
    pitstop = Pitstop.objects.filter(pk=pitstop_id).first()
    try:
        if pitstop is not None:
            keep_round(pitstop)
    finally:
        done_preparing(pitstop_id)


def _preparing_key(pitstop_id: int) -> str:
    return f"pitstops:keep-round-vectors:{pitstop_id}"


def prepare_round(*, pitstop_id: int) -> None:
    """Queue the task that keeps the round's vectors, unless one is queued already."""
    if cache.add(_preparing_key(pitstop_id), True, timeout=PREPARING_SECONDS):
        transaction.on_commit(lambda: keep_round_vectors.enqueue(pitstop_id))


def done_preparing(pitstop_id: int) -> None:
    """The task is done (or failed): a later page may queue a new one if vectors are missing."""
    cache.delete(_preparing_key(pitstop_id))
