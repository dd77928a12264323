"""`python manage.py export_expedition SLUG [--output FILE]`: one expedition as a JSON file."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from coalitions.models import Expedition
from coalitions.transfer import export_expedition


class Command(BaseCommand):
    help = "Write one expedition, with everything that belongs to it, as JSON (personal data!)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", help="a file; standard output without it")

    def handle(self, *args, **options) -> None:
        expedition = Expedition.objects.filter(slug=options["slug"]).first()
        if expedition is None:
            raise CommandError(f"There is no expedition “{options['slug']}”.")
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as stream:
                count = export_expedition(expedition, stream)
        else:
            count = export_expedition(expedition, sys.stdout)
        self.stderr.write(f"{count} rows exported.")
