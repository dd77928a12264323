"""`manage.py suggest_red_threads FILE.jsonl`: candidate red threads for notes from anywhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pitstops.suggestions import (
    DEFAULT_METHOD,
    METHODS,
    Note,
    SuggestionError,
    rank_like,
    suggest,
)
from pitstops.suggestions.engine import DEFAULT_MAX_CLUSTERS, GRANULARITY_RANGE

# A line longer than this is not a short note; it is more likely a file of another kind.
MAX_LINE_LENGTH = 100_000


def read_notes(path: Path) -> list[Note]:
    """Notes from a file of JSON lines, one object per line with `id`, `text` and an optional
    `theme`; or from one JSON list of such objects, as many tools export.

    Every problem raises a CommandError that names the line (or the list's item), so the file
    can be mended.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(_("File %(path)s does not exist.") % {"path": path}) from exc
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise CommandError(_("Cannot read %(path)s.") % {"path": path}) from exc
    try:
        # utf-8-sig: Excel and Windows editors start a UTF-8 file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            _("%(path)s is not UTF-8 text: save it as UTF-8 and try again.") % {"path": path}
        ) from exc
    seen: set[object] = set()
    if text.lstrip().startswith("["):
        notes = _notes_of_list(text, path, seen)
    else:
        notes = []
        # Universal newlines, as when reading a text file: \n, \r\n and \r end a line.
        for number, line in enumerate(io.StringIO(text, newline=None), start=1):
            if line.strip():
                notes.append(_note_of_line(line, number, seen))
    if not notes:
        raise CommandError(_("%(path)s holds no notes.") % {"path": path})
    return notes


def _notes_of_list(text: str, path: Path, seen: set[object]) -> list[Note]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("%(path)s starts a JSON list but is not valid JSON (line %(number)d).")
            % {"path": path, "number": exc.lineno}
        ) from exc
    return [
        _note(item, _("Note %(number)d in the list: %(message)s"), number, seen)
        for number, item in enumerate(items, start=1)
    ]


def _note_of_line(line: str, number: int, seen: set[object]) -> Note:
    where = _("Line %(number)d: %(message)s")
    if len(line) > MAX_LINE_LENGTH:
        message = _("the line is too long for a note.")
        raise CommandError(where % {"number": number, "message": message})
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        message = _("this is not valid JSON.")
        raise CommandError(where % {"number": number, "message": message}) from exc
    return _note(data, where, number, seen)


def _note(data: object, where: str, number: int, seen: set[object]) -> Note:
    """One note from a decoded object; `where` names its place in the file in a message."""

    def problem(message: str) -> CommandError:
        return CommandError(where % {"number": number, "message": message})

    if not isinstance(data, dict):
        raise problem(_('expected an object such as {"id": 1, "text": "..."}.'))
    identifier = data.get("id")
    # Spreadsheets write a whole number as 3.0: it is the id 3.
    if isinstance(identifier, float) and identifier.is_integer():
        identifier = int(identifier)
    # bool is an int in Python, but true/false as an id is surely a mistake.
    if isinstance(identifier, bool) or not isinstance(identifier, int | str) or identifier == "":
        raise problem(_('"id" is missing, or is not a number or a text.'))
    if identifier in seen:
        raise problem(_("the id %(id)s occurs twice.") % {"id": json.dumps(identifier)})
    seen.add(identifier)
    text = data.get("text")
    if not isinstance(text, str):
        raise problem(_('"text" is missing, or is not a text.'))
    theme = data.get("theme")
    # Exports from spreadsheets and other tools write a theme's number: 3 and "3" are one theme.
    if theme is None or theme == "":
        theme = ""
    elif isinstance(theme, bool) or not isinstance(theme, int | float | str):
        raise problem(_('"theme" is not a text or a number.'))
    elif isinstance(theme, float):
        theme = str(int(theme)) if theme.is_integer() else str(theme)
    else:
        theme = str(theme)
    return Note(id=identifier, text=text, theme=theme)


class Command(BaseCommand):
    help = (
        "Cluster short notes by what they say and print candidate red threads as JSON: a list of "
        '{"title", "ids", "why"}. The file has one JSON object per line with "id", "text" and '
        'optionally "theme" (a text or a number), or is one JSON list of such objects. With '
        "--like ID[,ID...] it prints instead the other notes' ids, closest to those notes first. "
        "Runs locally, without any network."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A JSONL file of notes, or a JSON list.")
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
            "--more",
            type=int,
            default=0,
            choices=GRANULARITY_RANGE,
            help="Ask for more groups (1 to 3) or fewer (-1 to -3) than the default (0).",
        )
        parser.add_argument(
            "--like",
            metavar="ID[,ID...]",
            help="Print the other notes' ids as a JSON list, closest to these notes first.",
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
            if options["like"] is not None:
                output = self.like(notes, options["like"], options["method"])
            else:
                clusters = suggest(
                    notes,
                    method=options["method"],
                    max_clusters=options["max_clusters"],
                    min_size=options["min_size"],
                    granularity=options["more"],
                )
                output = [
                    {"title": cluster.title, "ids": cluster.ids, "why": cluster.why}
                    for cluster in clusters
                ]
        except SuggestionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))

    def like(self, notes: list[Note], wanted: str, method: str) -> list[object]:
        """The other notes' ids, closest to the wanted notes first.

        An id on the command line is text; it matches a note's id whether the file wrote it as
        a number or as text.
        """
        by_text = {str(note.id): note for note in notes}
        seeds = []
        for part in wanted.split(","):
            part = part.strip()
            if not part:
                continue
            if part not in by_text:
                raise CommandError(_("--like: no note has the id %(id)s.") % {"id": part})
            seeds.append(by_text[part])
        if not seeds:
            raise CommandError(_("--like needs one or more ids, separated by commas."))
        seed_ids = {note.id for note in seeds}
        candidates = [note for note in notes if note.id not in seed_ids]
        return [identifier for identifier, _score in rank_like(candidates, seeds, method=method)]
