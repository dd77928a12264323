"""The erasure log: what was erased, so that restoring an older backup cannot bring it back.

A backup holds the database as it was; a person who erased themselves after it was made, or words
withdrawn after it, would be back after a restore. So each erasure appends one line to
`settings.ERASURE_LOG` (a JSON Lines file beside the backups, not in the database): the time and
ids only, never a name or words. `restore` reads the lines written after the backup was made and
erases again (`privacy.erase_again_since`).

The line is written inside the erasure's transaction, before it commits: an erasure that cannot
be recorded does not happen (it fails and rolls back), so none is ever missing from the log. A
line whose transaction then failed only erases, at a restore, what someone asked to erase.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

ACCOUNT = "account"
REFLECTIONS = "reflections"


def log_path() -> Path | None:
    value = getattr(settings, "ERASURE_LOG", None)
    return Path(value) if value else None


def _append(entry: dict[str, Any]) -> None:
    path = log_path()
    if path is None:  # no backups configured: nothing could bring the words back
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": timezone.now().isoformat(), **entry}, sort_keys=True) + "\n"
    # O_APPEND: lines from several app server processes never interleave; fsync: the line is on
    # disk before the erasure commits.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def record_account(user_id: int, member_ids: Iterable[int], *, keep_words: bool) -> None:
    _append(
        {
            "kind": ACCOUNT,
            "user": user_id,
            "members": sorted(member_ids),
            "keep_words": keep_words,
        }
    )


def record_reflections(reflection_ids: Iterable[int]) -> None:
    _append({"kind": REFLECTIONS, "ids": sorted(reflection_ids)})


def entries_since(moment: datetime.datetime | None) -> list[dict[str, Any]]:
    """The log's entries written at or after `moment` (all of them without one), oldest first.

    Entries before the backup are in it already; leaving them out also keeps an id that a later
    database handed out again (after an earlier restore) from being erased by an old line."""
    path = log_path()
    if path is None or not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if moment is None or datetime.datetime.fromisoformat(entry["at"]) >= moment:
            found.append(entry)
    return found
