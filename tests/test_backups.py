"""Backups that restore (README "Backups"): `manage.py backup` and `manage.py restore`.

The retention rule is a pure function, tested with dates. The restore drill runs on PostgreSQL
(marked `postgres`; in CI a missing PostgreSQL, pg_dump or age fails it, never skips): the demo
and a live session with cards and a photo are backed up from the test database, restored by
`manage.py restore` in another process into a throwaway database, and every row per model,
every photo's bytes and every seal is back; what was erased after the backup is erased again; a
backup taken while cards are posted restores whole cards only.
"""

from __future__ import annotations

import datetime
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from PIL import Image

from coalitions import backups
from coalitions.demo import upcoming_session
from tests.benchmarks.cluster import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    POSTGRES_USER,
    _create_database,
    _drop_database,
)
from tests.conftest import in_ci

REPO_ROOT = Path(__file__).resolve().parent.parent
UTC = datetime.UTC


def at(day: str, hour: int = 4) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


# --- the retention rule ---------------------------------------------------------------------


def test_a_year_of_daily_backups_keeps_7_days_4_weeks_and_12_months():
    start = at("2025-01-01")
    made = [start + datetime.timedelta(days=n) for n in range(400)]  # to 2026-02-04
    keep = backups.to_keep(made)
    newest = made[-1]
    days = {moment for moment in keep if newest - moment < datetime.timedelta(days=7)}
    assert len(days) == 7  # the last seven days
    assert newest in keep
    # The newest of each of the last 4 ISO weeks, and of each of the last 12 months.
    weeks = {moment.isocalendar()[:2] for moment in keep}
    assert len(weeks) >= 4
    months = sorted({(moment.year, moment.month) for moment in keep})
    assert months[-12:] == months and len(months) == 12
    assert months[0] == (2025, 3)  # 12 months back from February 2026
    assert at("2025-03-31") in keep  # the newest of March
    assert at("2025-03-30") not in keep
    assert len(keep) <= 7 + 4 + 12


def test_several_backups_a_day_keep_the_newest_of_each_day():
    made = [at("2026-03-10", hour) for hour in (1, 9, 17)] + [at("2026-03-11", 4)]
    assert backups.to_keep(made) == {at("2026-03-10", 17), at("2026-03-11", 4)}


def test_a_gap_does_not_throw_older_backups_away():
    """Periods count only when they hold a backup: a host that was off keeps what it had."""
    made = [at("2026-01-01"), at("2026-01-02"), at("2026-06-01")]
    assert backups.to_keep(made) == set(made)


def test_names_carry_the_utc_time_and_nothing_else_counts_as_a_backup():
    moment = datetime.datetime(
        2026, 3, 14, 5, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert backups.name_for(moment) == "pitstop-20260314T043000Z"
    assert backups.moment_of("pitstop-20260314T043000Z") == at("2026-03-14", 4).replace(minute=30)
    assert backups.moment_of(".pitstop-20260314T043000Z-abc") is None
    assert backups.moment_of("erasures.jsonl") is None


def test_prune_deletes_what_the_rule_does_not_keep_and_leaves_other_files(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    for day in range(1, 11):
        backup = tmp_path / backups.name_for(at(f"2026-03-{day:02d}"))
        backup.mkdir()
        (backup / backups.MANIFEST).write_text("{}")
    (tmp_path / "erasures.jsonl").write_text("")
    (tmp_path / ".pitstop-20260301T040000Z-half").mkdir()  # half made: not a backup
    removed = backups.prune()
    # 7 days kept: 4..10; of the older ones the newest of its ISO week (1 March is a Sunday,
    # week 9; 2 and 3 March are in week 10 with 4..8) stays; 2 and 3 go.
    assert removed == ["pitstop-20260302T040000Z", "pitstop-20260303T040000Z"]
    assert (tmp_path / "erasures.jsonl").exists()
    assert (tmp_path / ".pitstop-20260301T040000Z-half").exists()


# --- the erasure log ------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasing_a_member_logs_ids_only(settings, tmp_path, world):
    from coalitions.privacy import erase_account

    settings.ERASURE_LOG = tmp_path / "erasures.jsonl"
    member = world.resident
    user = member.user
    name, email = member.name, member.email
    erase_account(user, keep_words=False)
    text = settings.ERASURE_LOG.read_text()
    (entry,) = [json.loads(line) for line in text.splitlines()]
    assert entry["kind"] == "account" and entry["user"] == user.pk
    assert entry["members"] == [member.pk] and entry["keep_words"] is False
    for personal in filter(None, (name, email, user.get_username())):
        assert personal not in text


def test_backups_are_for_postgresql_says_so_on_sqlite(db, monkeypatch):
    # On the PostgreSQL run the database says it is SQLite, so the answer is tested there too.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("backup")


# --- the restore drill (PostgreSQL) ---------------------------------------------------------


def requirements() -> None:
    """PostgreSQL, pg_dump/pg_restore and age; on a developer's machine their absence skips,
    in CI (CI=true) it fails."""
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (DATABASE_URL=postgres://...)")
    for tool, package in (("pg_dump", "postgresql-client"), ("age", "age")):
        if shutil.which(tool) is None:
            missing.append(f"{tool} (apt-get install {package})")
    if missing:
        message = "The restore drill needs " + ", ".join(missing)
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def drill(settings, tmp_path):
    requirements()
    key = tmp_path / "key.txt"
    subprocess.run([shutil.which("age-keygen"), "-o", str(key)], check=True, capture_output=True)
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.ERASURE_LOG = settings.BACKUP_DIR / "erasures.jsonl"
    settings.BACKUP_KEY_FILE = key
    settings.BACKUP_AGE_RECIPIENT = ""
    settings.MEDIA_ROOT = tmp_path / "media"
    databases: list[str] = []

    def restore(name: str) -> tuple[psycopg2.extensions.connection, Path]:
        """`manage.py restore NAME` in its own process, into a new empty database."""
        database = f"pitstop_restore_{uuid.uuid4().hex[:10]}"
        _create_database(database)
        databases.append(database)
        media = tmp_path / f"media-{database}"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "expeditie.settings.test",
            "DATABASE_URL": f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}",
            "BACKUP_DIR": str(settings.BACKUP_DIR),
            "ERASURE_LOG": str(settings.ERASURE_LOG),
            "BACKUP_KEY_FILE": str(key),
            "MEDIA_ROOT": str(media),
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "restore", name],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        assert "complete" in done.stdout or "voltooid" in done.stdout, done.stdout
        restored = psycopg2.connect(
            host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname=database
        )
        restored.autocommit = True
        opened.append(restored)
        return restored, media

    opened: list = []
    yield restore
    for restored in opened:
        restored.close()
    for database in databases:
        _drop_database(database)


def backup_now() -> str:
    out = io.StringIO()
    call_command("backup", stdout=out)
    (name,) = backups.existing()
    return name


def counts(cursor) -> dict[str, int]:
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608
        found[model._meta.label] = cursor.fetchone()[0]
    return found


def seals(cursor) -> list[tuple]:
    """Every seal and hash column (grep "seal"): the writer's seals on reflections."""
    cursor.execute("SELECT id, author_seal, text FROM pitstops_reflection ORDER BY id")
    return cursor.fetchall()


def photo(name: str = "flip.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def live_session():
    """The demo's upcoming Apeldoorn session, open, with a phone's cards and a photo."""
    # A transactional test before this one may have flushed the shipped themes that the
    # migration put in; they are the demo's starting point, so put them back (idempotent).
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from pitstops import live

    shipped = importlib.import_module("coalitions.migrations.0002_default_themes")
    shipped.add_default_themes(apps, schema_editor=None)
    call_command("seed_demo", stdout=io.StringIO())
    session = upcoming_session()
    session.open()
    member = session.coalition.members.filter(user__username="bewoner").get()
    participant = live.join(session, member=member, verified=True)
    for number, anonymous in ((1, False), (2, True)):
        live.post_card(
            session,
            participant,
            writer_secret="s" * 43,
            text=f"Kaartje {number} uit de sessie",
            kind="observation",
            visibility="coalition",
            is_anonymous=anonymous,
            theme=None,
            client_id=None,
        )
    live.scribe_card(
        session,
        facilitator=get_user_model().objects.get(username="begeleider"),
        text="De flap van vanavond",
        kind="observation",
        theme=None,
        member=None,
        photo=photo(),
    )
    return session, participant, member


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_photo_and_seal(drill, settings):
    live_session()
    media = Path(settings.MEDIA_ROOT)
    photos = {
        path.relative_to(media): path.read_bytes() for path in media.rglob("*") if path.is_file()
    }
    assert photos, "the live session has a photo"
    with connection.cursor() as cursor:
        before = counts(cursor)
        sealed = seals(cursor)
    assert any(seal for _, seal, _ in sealed), "anonymous cards carry a seal"
    name = backup_now()
    # Encrypted at rest: neither a card's words nor the photo's bytes are readable in the files.
    stored = b"".join(path.read_bytes() for path in (settings.BACKUP_DIR / name).iterdir())
    assert b"Kaartje 1 uit de sessie" not in stored and b"age-encryption.org" in stored

    restored, restored_media = drill(name)
    with restored.cursor() as cursor:
        assert counts(cursor) == before
        assert seals(cursor) == sealed
    assert {
        path.relative_to(restored_media): path.read_bytes()
        for path in restored_media.rglob("*")
        if path.is_file()
    } == photos


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(drill):
    live_session()
    name = backup_now()
    with pytest.raises(CommandError, match=r"not empty|niet leeg"):
        call_command("restore", name)  # into the test database itself, which has the demo
    with pytest.raises(CommandError, match="pitstop-19990101T000000Z"):
        call_command("restore", "pitstop-19990101T000000Z")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_what_was_erased_after_the_backup_is_erased_again_after_the_restore(drill):
    from coalitions.models import Member
    from coalitions.privacy import erase_account
    from pitstops import live
    from pitstops.models import Reflection

    session, _, member = live_session()
    words = list(Reflection.objects.filter(author=member).values_list("pk", flat=True))
    assert words
    other = Reflection.objects.exclude(author=member).filter(session=session).first()
    name = backup_now()
    erase_account(member.user, keep_words=False)  # after the backup
    live.withdraw_card(session, other)

    restored, _ = drill(name)
    with restored.cursor() as cursor:
        cursor.execute(
            "SELECT name, email, user_id, erased_at IS NOT NULL FROM coalitions_member "
            "WHERE id = %s",
            [member.pk],
        )
        assert cursor.fetchone() == ("", "", None, True)
        cursor.execute("SELECT count(*) FROM pitstops_reflection WHERE id = ANY(%s)", [words])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM pitstops_reflection WHERE id = %s", [other.pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM auth_user WHERE username = 'bewoner'")
        assert cursor.fetchone()[0] == 0
    assert Member.objects.get(pk=member.pk).erased_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_made_while_cards_are_posted_restores_whole_cards(drill):
    from pitstops import live
    from pitstops.models import Reflection

    session, participant, _ = live_session()
    stop = threading.Event()
    posted: list[int] = []

    def post() -> None:
        try:
            number = 0
            while not stop.is_set():
                number += 1
                card, _ = live.post_card(
                    session,
                    participant,
                    writer_secret="t" * 43,
                    text=f"Tijdens de back-up {number}",
                    kind="observation",
                    visibility="coalition",
                    is_anonymous=number % 2 == 0,
                    theme=None,
                    client_id=None,
                )
                posted.append(card.pk)
        finally:
            connections.close_all()

    writer = threading.Thread(target=post)
    writer.start()
    try:
        while len(posted) < 5:
            stop.wait(0.05)
        name = backup_now()
    finally:
        stop.set()
        writer.join()
    assert len(posted) > 5
    restored, _ = drill(name)
    with restored.cursor() as cursor:
        cursor.execute(
            "SELECT id, text, author_seal, is_anonymous FROM pitstops_reflection "
            "WHERE text LIKE 'Tijdens de back-up %%' ORDER BY id"
        )
        rows = cursor.fetchall()
    # A snapshot: the cards committed before it, in order, every one whole.
    assert [row[0] for row in rows] == posted[: len(rows)]
    stored = {card.pk: card for card in Reflection.objects.filter(pk__in=posted)}
    for pk, text, seal, anonymous in rows:
        assert (text, seal, anonymous) == (
            stored[pk].text,
            stored[pk].author_seal,
            stored[pk].is_anonymous,
        )
