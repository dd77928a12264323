"""`manage.py learn_concern_space FILE.jsonl...`: learn the concern space from labelled notes."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pitstops.suggestions import concern_space
from pitstops.suggestions.quality import encoded, read_labelled


class Command(BaseCommand):
    help = (
        "Learn the directions in which concerns differ (pitstops/suggestions/concern_space.npz) "
        'from labelled sets: JSON lines with "id", "text", "theme" and "topic". Give the tuning '
        "sets only: a set it learns from no longer measures anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Labelled JSONL files.")
        parser.add_argument(
            "--out",
            type=Path,
            default=concern_space.SHIPPED,
            help="Where to write the projection (default: the one the app ships).",
        )

    def handle(self, *args, **options) -> None:
        labelled = []
        for path in options["files"]:
            try:
                rows = read_labelled(path)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError) as exc:
                raise CommandError(
                    _("Cannot read %(path)s as labelled notes: %(error)s")
                    % {"path": path, "error": exc}
                ) from exc
            if not any(row.topic for row in rows):
                raise CommandError(_("%(path)s has no note with a topic.") % {"path": path})
            labelled.append(encoded(rows))
        space = concern_space.learn(labelled)
        concern_space.save(space, options["out"])
        rows, columns = space.projection.shape
        self.stdout.write(f"{options['out']}: {rows} by {columns}")
