"""Backups that restore: the PostgreSQL database and the uploaded photos, encrypted with age.

A backup is a directory in `settings.BACKUP_DIR` named by the UTC time it was made
(`pitstop-20260314T043000Z`), holding

- `database.dump.age`: `pg_dump -Fc`, one consistent snapshot of the database, encrypted;
- `media.tar.age`: MEDIA_ROOT (the photos) as a tar, encrypted;
- `manifest.json`: when, which server version, sizes and SHA-256 of the two files (no personal
  data: it is not encrypted).

Both files are streamed through `age` (Debian's package) to the public key in
BACKUP_AGE_RECIPIENT, so nothing unencrypted touches the disk and no file has to fit in memory;
only the identity file (BACKUP_KEY_FILE) can open them. A backup is made in a hidden directory
and renamed when complete: a directory with the final name is always a whole backup.

The database is dumped before the photos are copied: a photo uploaded meanwhile is in the tar
without a row (harmless); the other order would leave rows pointing at missing photos.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

PREFIX = "pitstop-"
NAME_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_PATTERN = re.compile(r"^pitstop-(\d{8}T\d{6}Z)$")
DATABASE_FILE = "database.dump.age"
MEDIA_FILE = "media.tar.age"
MANIFEST = "manifest.json"
OLDEST_PG_DUMP = 15  # the server's version; pg_dump must be this new or newer

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 12


class BackupError(Exception):
    """Something an operator can fix; the message says what."""


# --- names and the retention rule ---------------------------------------------------------------


def name_for(moment: datetime.datetime) -> str:
    return PREFIX + moment.astimezone(datetime.UTC).strftime(NAME_FORMAT)


def moment_of(name: str) -> datetime.datetime | None:
    """The UTC time in a backup's name, or None for anything that is not a backup's name."""
    found = NAME_PATTERN.match(name)
    if not found:
        return None
    return datetime.datetime.strptime(found.group(1), NAME_FORMAT).replace(tzinfo=datetime.UTC)


def to_keep(
    made: Iterable[datetime.datetime],
    *,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    monthly: int = KEEP_MONTHLY,
) -> set[datetime.datetime]:
    """Which backups to keep: the newest of each of the last `daily` days that have one, of the
    last `weekly` ISO weeks, and of the last `monthly` months (as restic's --keep-daily etc.).

    Periods count only when they have a backup, so a host that was off for a month does not
    lose its older backups to the calendar. The newest backup is always kept."""
    newest_first = sorted(set(made), reverse=True)
    keep: set[datetime.datetime] = set()
    periods = [
        (daily, lambda moment: moment.date()),
        (weekly, lambda moment: moment.isocalendar()[:2]),
        (monthly, lambda moment: (moment.year, moment.month)),
    ]
    for count, period_of in periods:
        seen: set[Any] = set()
        for moment in newest_first:
            period = period_of(moment.astimezone(datetime.UTC))
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.add(period)
            keep.add(moment)
    return keep


# --- where backups live -------------------------------------------------------------------------


def backup_dir() -> Path:
    if not settings.BACKUP_DIR:
        raise BackupError(_("BACKUP_DIR is not set: say in which directory backups go."))
    return Path(settings.BACKUP_DIR)


def existing() -> dict[str, datetime.datetime]:
    """Complete backups in BACKUP_DIR, by name (a half-made one has a hidden name)."""
    directory = backup_dir()
    if not directory.is_dir():
        return {}
    found = {}
    for path in directory.iterdir():
        moment = moment_of(path.name)
        if moment is not None and (path / MANIFEST).is_file():
            found[path.name] = moment
    return found


def prune() -> list[str]:
    """Delete the backups the retention rule does not keep; returns their names."""
    backups = existing()
    keep = to_keep(backups.values())
    removed = sorted(name for name, moment in backups.items() if moment not in keep)
    for name in removed:
        shutil.rmtree(backup_dir() / name)
    return removed


# --- tools --------------------------------------------------------------------------------------


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s is missing: install Debian's package %(package)s "
                "(apt-get install %(package)s)."
            )
            % {"tool": name, "package": package}
        )
    return path


def _database() -> dict[str, Any]:
    # The connection's settings, not settings.DATABASES: under test they name the test database.
    database = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        raise BackupError(
            _(
                "Backups are for PostgreSQL; this database is %(vendor)s. On SQLite, copy the "
                "database file (with the app stopped) and MEDIA_ROOT yourself."
            )
            % {"vendor": connections["default"].vendor}
        )
    return database


def _libpq(database: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump and pg_restore, from DATABASES."""
    arguments = []
    if database.get("HOST"):
        arguments += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        arguments += ["--port", str(database["PORT"])]
    if database.get("USER"):
        arguments += ["--username", str(database["USER"])]
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])  # not on the command line
    if sslmode := database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(sslmode)
    return [*arguments, "--no-password"], environment


def _major(version_text: str) -> int:
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)": the number after the name.
    found = re.search(r"\)\s*(\d+)", version_text)
    return int(found.group(1)) if found else 0


def check_pg_dump(pg_dump: str) -> None:
    """pg_dump cannot dump a newer server than itself; the project needs 15 or newer."""
    # Here and below: tools found by shutil.which, run with argument lists, never a shell.
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True)  # noqa: S603
    client = _major(version.stdout)
    connection = connections["default"]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client < max(server, OLDEST_PG_DUMP):
        raise BackupError(
            _(
                "pg_dump is version %(client)s; the server is PostgreSQL %(server)s. Install a "
                "postgresql-client of version %(needed)s or newer."
            )
            % {"client": client, "server": server, "needed": max(server, OLDEST_PG_DUMP)}
        )


def recipient() -> str:
    """The public key backups are encrypted to: BACKUP_AGE_RECIPIENT, or BACKUP_KEY_FILE's."""
    if settings.BACKUP_AGE_RECIPIENT:
        return settings.BACKUP_AGE_RECIPIENT.strip()
    if settings.BACKUP_KEY_FILE and Path(settings.BACKUP_KEY_FILE).is_file():
        keygen = tool("age-keygen", "age")
        made = subprocess.run(  # noqa: S603
            [keygen, "-y", str(settings.BACKUP_KEY_FILE)], capture_output=True, text=True
        )
        if made.returncode == 0 and made.stdout.strip():
            return made.stdout.strip()
    raise BackupError(
        _(
            "No key to encrypt backups with: set BACKUP_AGE_RECIPIENT (an age public key) or "
            "BACKUP_KEY_FILE (an age identity file; make one with age-keygen -o FILE)."
        )
    )


def identity() -> Path:
    key = settings.BACKUP_KEY_FILE
    if not key or not Path(key).is_file():
        raise BackupError(
            _("Restoring needs the age identity file: set BACKUP_KEY_FILE to its path.")
        )
    return Path(key)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _finish(process: subprocess.Popen, errors: IO[bytes], what: str) -> None:
    if process.wait() != 0:
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
        raise BackupError(
            _("%(what)s failed: %(message)s") % {"what": what, "message": message[-2000:]}
        )


# --- making a backup ----------------------------------------------------------------------------


@dataclass
class Made:
    name: str
    path: Path
    photos: int
    size: int


def make(now: datetime.datetime) -> Made:
    """One backup in BACKUP_DIR, named by `now` (UTC). Raises BackupError with what to fix."""
    database = _database()
    pg_dump = tool("pg_dump", "postgresql-client")
    age = tool("age", "age")
    check_pg_dump(pg_dump)
    to = recipient()
    directory = backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = name_for(now)
    if (directory / name).exists():
        raise BackupError(_("A backup named %(name)s exists already.") % {"name": name})
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=directory))
    try:
        arguments, environment = _libpq(database)
        with tempfile.TemporaryFile() as dump_errors, tempfile.TemporaryFile() as age_errors:
            # pg_dump's -Fc output goes straight into age: one snapshot, never on disk in clear.
            dump = subprocess.Popen(  # noqa: S603
                [pg_dump, "--format=custom", *arguments, "--dbname", database["NAME"]],
                stdout=subprocess.PIPE,
                stderr=dump_errors,
                env=environment,
            )
            encrypt = subprocess.Popen(  # noqa: S603
                [age, "--encrypt", "--recipient", to, "--output", str(work / DATABASE_FILE)],
                stdin=dump.stdout,
                stderr=age_errors,
            )
            dump.stdout.close()  # age alone reads it now: pg_dump sees it if age dies
            _finish(encrypt, age_errors, "age")
            _finish(dump, dump_errors, "pg_dump")
        photos = _tar_media(age, to, work / MEDIA_FILE)
        files = {
            filename: {
                "bytes": (work / filename).stat().st_size,
                "sha256": _sha256(work / filename),
            }
            for filename in (DATABASE_FILE, MEDIA_FILE)
        }
        manifest = {
            "format": 1,
            "made_at": now.astimezone(datetime.UTC).isoformat(),
            "postgresql": connections["default"].pg_version,
            "photos": photos,
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for path in work.iterdir():
            path.chmod(0o640)  # as the erasure log: the host's backup user and group only
        work.chmod(0o750)
        work.rename(directory / name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Made(
        name=name,
        path=directory / name,
        photos=photos,
        size=sum(entry["bytes"] for entry in files.values()),
    )


def _tar_media(age: str, to: str, target: Path) -> int:
    """MEDIA_ROOT as a tar, streamed into age; returns the number of files."""
    media = Path(settings.MEDIA_ROOT)
    count = 0
    with tempfile.TemporaryFile() as age_errors:
        encrypt = subprocess.Popen(  # noqa: S603
            [age, "--encrypt", "--recipient", to, "--output", str(target)],
            stdin=subprocess.PIPE,
            stderr=age_errors,
        )
        try:
            with tarfile.open(fileobj=encrypt.stdin, mode="w|") as archive:
                if media.is_dir():
                    for path in sorted(media.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            archive.add(path, arcname=str(path.relative_to(media)))
                            count += 1
        finally:
            encrypt.stdin.close()
        _finish(encrypt, age_errors, "age")
    return count


# --- restoring ----------------------------------------------------------------------------------


def manifest_of(name: str) -> dict[str, Any]:
    """The manifest of a complete backup by name, its files checked against it."""
    backups = existing()
    if name not in backups:
        known = ", ".join(sorted(backups)) or _("none")
        raise BackupError(
            _("There is no backup %(name)s in %(directory)s. Backups there: %(known)s.")
            % {"name": name, "directory": backup_dir(), "known": known}
        )
    path = backup_dir() / name
    manifest = json.loads((path / MANIFEST).read_text())
    for filename, expected in manifest["files"].items():
        if _sha256(path / filename) != expected["sha256"]:
            raise BackupError(
                _("%(file)s in %(name)s is damaged (its checksum differs from the manifest).")
                % {"file": filename, "name": name}
            )
    return manifest


def tables_present() -> list[str]:
    connection = connections["default"]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def restore_database(name: str) -> None:
    """Decrypt the dump and feed it to pg_restore, in one transaction: all or nothing."""
    database = _database()
    pg_restore = tool("pg_restore", "postgresql-client")
    age = tool("age", "age")
    key = identity()
    arguments, environment = _libpq(database)
    connections["default"].close()  # pg_restore works alone; Django reconnects afterwards
    with tempfile.TemporaryFile() as age_errors, tempfile.TemporaryFile() as restore_errors:
        decrypt = subprocess.Popen(  # noqa: S603
            [age, "--decrypt", "--identity", str(key), str(backup_dir() / name / DATABASE_FILE)],
            stdout=subprocess.PIPE,
            stderr=age_errors,
        )
        load = subprocess.Popen(  # noqa: S603
            [
                pg_restore,
                *arguments,
                "--dbname",
                database["NAME"],
                "--single-transaction",
                "--exit-on-error",
                # The backup may come from a host whose roles differ: this database's user owns all.
                "--no-owner",
                "--no-privileges",
            ],
            stdin=decrypt.stdout,
            stderr=restore_errors,
            env=environment,
        )
        decrypt.stdout.close()
        _finish(load, restore_errors, "pg_restore")
        _finish(decrypt, age_errors, "age")


def restore_media(name: str) -> int:
    """Unpack the photos into MEDIA_ROOT; returns how many. The tar's names cannot leave it
    (tarfile's "data" filter refuses absolute paths, .. and links outside)."""
    age = tool("age", "age")
    key = identity()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    count = 0
    with tempfile.TemporaryFile() as age_errors:
        decrypt = subprocess.Popen(  # noqa: S603
            [age, "--decrypt", "--identity", str(key), str(backup_dir() / name / MEDIA_FILE)],
            stdout=subprocess.PIPE,
            stderr=age_errors,
        )
        try:
            with tarfile.open(fileobj=decrypt.stdout, mode="r|") as archive:
                for member in archive:
                    archive.extract(member, media, filter="data")
                    count += member.isfile()
        finally:
            decrypt.stdout.close()
        _finish(decrypt, age_errors, "age")
    return count
