"""`python manage.py import_expedition FILE`: an exported expedition into this database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from coalitions.transfer import TransferError, import_expedition


class Command(BaseCommand):
    help = "Write an exported expedition into this database, with its own ids (all or nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, **options) -> None:
        try:
            with open(options["file"], encoding="utf-8") as stream:
                count = import_expedition(stream)
        except OSError as error:
            raise CommandError(f"The file cannot be read: {error.strerror}.") from error
        except TransferError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{count} rows imported.")
