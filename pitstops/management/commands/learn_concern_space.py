"""`manage.py learn_concern_space FILE.jsonl...`: learn the concern space from labelled notes."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pitstops.suggestions import concern_space
from pitstops.suggestions.quality import LabelledNote, encoded, read_labelled


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
            help="Where to write the space (default: the one the app ships).",
        )

    def handle(self, *args, **options) -> None:
        space = concern_space.learn([encoded(labelled(path)) for path in options["files"]])
        concern_space.save(space, options["out"])
        size, directions = space.projection.shape
        self.stdout.write(f"{options['out']}: {size} by {directions}")


def labelled(path: Path) -> list[LabelledNote]:
    """The notes of one labelled file, or a CommandError that says what is wrong with it."""
    try:
        rows = read_labelled(path)
        for row in rows:
            if not isinstance(row.note.text, str):
                raise TypeError(f'the "text" of note {row.note.id} is not a text')
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CommandError(
            _("Cannot read %(path)s as labelled notes: %(error)s") % {"path": path, "error": exc}
        ) from exc
    if not any(row.topic for row in rows):
        raise CommandError(_("%(path)s has no note with a topic.") % {"path": path})
    return rows
