"""Recount the overview's summary rows from the reflections themselves.

Saving or deleting a reflection recounts its own bucket; this command is the safety net for
writes that bypass the ORM's signals (bulk loads, SQL by hand) and can run nightly from cron.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pitstops.models.tallies import rebuild_reflection_tallies


class Command(BaseCommand):
    help = "Recount the reflection counts behind the coordinators' overview."

    def handle(self, *args: Any, **options: Any) -> None:
        rebuild_reflection_tallies()
        self.stdout.write("Reflection counts rebuilt.")
