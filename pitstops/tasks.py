"""Background tasks (django.tasks; `manage.py db_worker` runs them, tests run them at once)."""

from __future__ import annotations

from django.tasks import task


@task
def make_suggestions(run_id: int) -> None:
    """Cluster a pitstop's round into suggested red threads (see pitstops.suggesting)."""
    from .suggesting import run_suggestions

    run_suggestions(run_id)


@task
def keep_round_vectors(pitstop_id: int) -> None:
    """Encode and keep the sentence embeddings of a whole round, for "more like this"."""
    from .models import Pitstop
    from .synthesis.likeness import done_preparing
    from .vectors import keep_round

    pitstop = Pitstop.objects.filter(pk=pitstop_id).first()
    try:
        if pitstop is not None:
            keep_round(pitstop)
    finally:
        done_preparing(pitstop_id)
