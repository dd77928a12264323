"""`python manage.py backup`: the database and the photos, encrypted, into BACKUP_DIR; then
the backups the retention rule (7 daily, 4 weekly, 12 monthly) no longer keeps are deleted."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from coalitions import backups


class Command(BaseCommand):
    help = _(
        "Back up the PostgreSQL database and the uploaded photos, encrypted with age, into "
        "BACKUP_DIR; then delete backups beyond 7 daily, 4 weekly and 12 monthly."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-prune", action="store_true", help=_("Keep every older backup this time.")
        )

    def handle(self, *args, **options) -> None:
        try:
            made = backups.make(timezone.now())
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup %(name)s made in %(directory)s: the database and %(photos)d photo "
                    "file(s), %(size)d bytes, encrypted."
                )
                % {
                    "name": made.name,
                    "directory": made.path.parent,
                    "photos": made.photos,
                    "size": made.size,
                }
            )
        )
        if options["no_prune"]:
            return
        # Only after a backup succeeded: a failing backup never thins out the good ones.
        for name in backups.prune():
            self.stdout.write(_("Deleted older backup %(name)s (retention).") % {"name": name})
