"""`python manage.py apply_retention`: anonymise or delete what is older than RETENTION_MONTHS."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from coalitions.privacy import apply_retention


class Command(BaseCommand):
    help = "Take names off words and delete small talk older than RETENTION_MONTHS (idempotent)."

    def handle(self, *args, **options) -> None:
        done = apply_retention()
        self.stdout.write(f"Retention: {settings.RETENTION_MONTHS} months.")
        for what, count in done.items():
            self.stdout.write(f"{what}: {count}")
