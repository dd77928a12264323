"""`manage.py suggest_red_threads FILE.jsonl`: candidate red threads for notes from anywhere."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pitstops.suggestions import DEFAULT_METHOD, METHODS, Note, SuggestionError, suggest
from pitstops.suggestions.engine import DEFAULT_MAX_CLUSTERS

# A line longer than this is not a short note; it is more likely a file of another kind.
MAX_LINE_LENGTH = 100_000


def read_notes(path: Path) -> list[Note]:
    """Notes from a JSONL file: one object per line with `id`, `text` and an optional `theme`.

    Every problem raises a CommandError that names the line, so the file can be mended.
    """
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(_("File %(path)s does not exist.") % {"path": path}) from exc
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise CommandError(_("Cannot read %(path)s.") % {"path": path}) from exc
    notes: list[Note] = []
    seen: set[object] = set()
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                notes.append(_note(line, number, seen))
        except UnicodeDecodeError as exc:
            raise CommandError(
                _("%(path)s is not UTF-8 text: save it as UTF-8 and try again.") % {"path": path}
            ) from exc
    if not notes:
        raise CommandError(_("%(path)s holds no notes.") % {"path": path})
    return notes


def _note(line: str, number: int, seen: set[object]) -> Note:
    def problem(message: str) -> CommandError:
        return CommandError(
            _("Line %(number)d: %(message)s") % {"number": number, "message": message}
        )

    if len(line) > MAX_LINE_LENGTH:
        raise problem(_("the line is too long for a note."))
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise problem(_("this is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise problem(_('expected an object such as {"id": 1, "text": "..."}.'))
    identifier = data.get("id")
    # bool is an int in Python, but true/false as an id is surely a mistake.
    if isinstance(identifier, bool) or not isinstance(identifier, int | str) or identifier == "":
        raise problem(_('"id" is missing, or is not a number or a text.'))
    if identifier in seen:
        raise problem(_("the id %(id)s occurs twice.") % {"id": json.dumps(identifier)})
    seen.add(identifier)
    text = data.get("text")
    if not isinstance(text, str):
        raise problem(_('"text" is missing, or is not a text.'))
    theme = data.get("theme") or ""
    if not isinstance(theme, str):
        raise problem(_('"theme" is not a text.'))
    return Note(id=identifier, text=text, theme=theme)


class Command(BaseCommand):
    help = (
        "Cluster short notes by what they say and print candidate red threads as JSON: a list of "
        '{"title", "ids"}. The file has one JSON object per line with "id", "text" and '
        'optionally "theme". Runs locally, without any network.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A JSONL file of notes.")
        parser.add_argument(
            "--method",
            choices=METHODS,
            default=DEFAULT_METHOD,
            help=f"How notes are compared (default: {DEFAULT_METHOD}).",
        )
        parser.add_argument(
            "--max-clusters",
            type=int,
            default=DEFAULT_MAX_CLUSTERS,
            help=f"At most this many clusters (default: {DEFAULT_MAX_CLUSTERS}).",
        )
        parser.add_argument(
            "--min-size",
            type=int,
            default=2,
            help="Leave out clusters of fewer notes than this (default: 2).",
        )

    def handle(self, *args, **options) -> None:
        if options["max_clusters"] < 2 or options["min_size"] < 1:
            raise CommandError(_("--max-clusters must be 2 or more and --min-size 1 or more."))
        notes = read_notes(options["file"])
        try:
            clusters = suggest(
                notes,
                method=options["method"],
                max_clusters=options["max_clusters"],
                min_size=options["min_size"],
            )
        except SuggestionError as exc:
            raise CommandError(str(exc)) from exc
        output = [{"title": cluster.title, "ids": cluster.ids} for cluster in clusters]
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
