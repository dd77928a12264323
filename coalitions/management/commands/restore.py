"""`python manage.py restore NAME`: a backup back into an empty PostgreSQL database and its
photos into MEDIA_ROOT; then what was erased after the backup was made is erased again."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from coalitions import backups, erasures, privacy
from coalitions.privacy import apply_retention


class Command(BaseCommand):
    help = _(
        "Restore a backup (its name, as in BACKUP_DIR) into an empty database and its photos "
        "into MEDIA_ROOT, then erase again what was erased after it was made."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help=_("The backup's name, e.g. pitstop-20260314T043000Z."))

    def handle(self, *args, name: str, **options) -> None:
        try:
            manifest = backups.manifest_of(name)
            backups.identity()
            backups._database()
            # Never over live data: no --force. A restore goes into a database made for it.
            if tables := backups.tables_present():
                raise CommandError(
                    _(
                        "The database %(database)s is not empty (%(count)d tables). Restore only "
                        "into an empty database: create a new one (createdb) and point "
                        "DATABASE_URL at it; do not run migrate first."
                    )
                    % {
                        "database": connections["default"].settings_dict["NAME"],
                        "count": len(tables),
                    }
                )
            backups.restore_database(name)
            photos = backups.restore_media(name)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Restored the database and %(photos)d photo file(s) from %(name)s.")
            % {"photos": photos, "name": name}
        )
        # An older backup may predate some migrations: bring it to this code's schema before the
        # code erases anything in it.
        call_command("migrate", interactive=False, verbosity=0)
        made_at = datetime.datetime.fromisoformat(manifest["made_at"])
        again = privacy.erase_again_since(made_at)
        self.stdout.write(
            _(
                "Erased again after the backup: %(accounts)d account(s), %(words)d withdrawn "
                "reflection(s) (from %(log)s)."
            )
            % {
                "accounts": again["accounts_erased_again"],
                "words": again["reflections_deleted_again"],
                "log": erasures.log_path() or _("no erasure log"),
            }
        )
        retention = apply_retention()
        self.stdout.write(
            _("Retention applied again: %(counts)s.")
            % {"counts": ", ".join(f"{what} {count}" for what, count in retention.items())}
        )
        self.stdout.write(self.style.SUCCESS(_("Restore of %(name)s complete.") % {"name": name}))
