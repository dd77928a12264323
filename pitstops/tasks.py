"""Background tasks (django.tasks; `manage.py db_worker` runs them, tests run them at once)."""

from __future__ import annotations

from django.tasks import task


@task
def make_suggestions(run_id: int) -> None:
    """Cluster a pitstop's round into suggested red threads (see pitstops.suggesting)."""
    from .suggesting import run_suggestions

    run_suggestions(run_id)
