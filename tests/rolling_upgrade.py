"""A rolling upgrade on this machine: the previous release's code and this checkout's code,
each as an app server, on one database migrated by this checkout (tests/test_upgrades.py).

`rolling_upgrade` takes the previous release's tree out of the repository's own history
(`git archive` of the commit in deploy/previous-release) into a temporary folder, makes a
throwaway database (a SQLite file, or a database of its own on the PostgreSQL server of
DATABASE_URL), migrates it with *this* checkout's migrations, as `migrate` runs before the first
app server restarts, and starts gunicorn twice on it (they boot meanwhile; no request reaches
them before the migration ends): once from the previous release's tree (`old`) and once from
this checkout (`new`). Both use this virtualenv, production settings
(see `SETTINGS`), one secret key and, with TEST_REDIS_URL, one Redis cache, as app servers
behind one nginx do. `Visitor` is a browser that may send each request to either server, with
the same cookies, as nginx does while some servers are restarted and some not yet.

Everything is removed on exit: the servers, the trees, the database, the cache's keys.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from tests.benchmarks.server import stop_process, tail, wait_until_serving
from tests.migration_rules import GIT, REPO_ROOT, git

# Production settings with three changes, none of which touches the database or the live
# pages: static files come from the finders (no collectstatic, which takes half a minute per
# tree on a busy machine; the pages' HTML is the same but for hashed file names), passwords are
# hashed fast (seed_demo makes a dozen accounts), and the cache's keys carry a prefix of this
# run, so a shared Redis database is left as it was found.
SETTINGS = '''"""Production settings for tests/rolling_upgrade.py (written by it, into a temporary
folder): the same for the previous release's code and this checkout's."""

from expeditie.settings.production import *  # noqa: F403
from expeditie.settings.production import CACHES, STORAGES

STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {{
    **STORAGES,
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = {prefix!r}
'''
SETTINGS_MODULE = "pitstop_upgrade_settings"
COMMAND_TIMEOUT = 300  # seconds for one manage.py command (migrate on a busy machine)
STARTUP_TIMEOUT = 60.0


class UpgradeError(RuntimeError):
    """The set-up failed: a command, a server; the message carries what it said."""


@dataclass
class Tree:
    """A copy of the project's code: the previous release's (`old`) or this checkout (`new`)."""

    name: str
    path: Path
    commit: str

    def manage(self, *args: str, env: Mapping[str, str]) -> str:
        """`manage.py ...` in this tree, with this virtualenv: its output, or UpgradeError."""
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.path,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        output = completed.stdout + completed.stderr
        if completed.returncode != 0:
            last = output.strip().splitlines()[-1:] or ["(no output)"]
            raise UpgradeError(
                f"{self.name} code ({self.commit[:10]}): manage.py {' '.join(args)} failed "
                f"with exit status {completed.returncode}: {last[0]}\n{tail(output)}"
            )
        return output

    def imported_from(self, env: Mapping[str, str]) -> dict[str, str]:
        """Where a process started in this tree imports the project's packages from: the tree
        itself, even though this virtualenv has the checkout installed (editable)."""
        script = (
            "import json, coalitions, expeditie, pitstops;"
            "print(json.dumps({m.__name__: m.__file__ for m in (coalitions, expeditie, pitstops)}))"
        )
        completed = subprocess.run(
            [sys.executable, "-c", script],
            cwd=self.path,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(completed.stdout)


@dataclass
class Server:
    """One gunicorn serving one tree's code."""

    name: str
    tree: Tree
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    access_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self, contains: str = "") -> list[str]:
        """Its access log's lines (one per request it answered) that contain `contains`."""
        if not self.access_log.exists():
            return []
        return [line for line in self.access_log.read_text().splitlines() if contains in line]

    def log(self) -> str:
        return tail(self.log_path.read_text(errors="replace")) if self.log_path.exists() else ""


@dataclass
class Upgrade:
    """What `rolling_upgrade` yields."""

    old: Server
    new: Server
    database_url: str
    env: dict[str, str]
    # One query on the shared database (placeholders %s), its rows.
    query: Callable[..., list[tuple]]
    notes: list[str] = field(default_factory=list)  # what the set-up did, for the report

    def logs(self) -> str:
        return "\n".join(
            f"{server.name} server ({server.tree.commit[:10]}):\n{server.log() or '(nothing)'}"
            for server in (self.old, self.new)
        )


@contextlib.contextmanager
def rolling_upgrade(
    previous: str, *, database_settings: Mapping, redis_url: str = ""
) -> Iterator[Upgrade]:
    """The previous release's code (commit `previous`) and this checkout's, as two app servers
    on one database that this checkout's migrations made; see the module's docstring.
    `database_settings` are the test run's DATABASES["default"]: PostgreSQL there means a
    throwaway database on the same server, anything else a SQLite file."""
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pitstop-upgrade-")))
        notes: list[str] = []
        started = time.monotonic()
        old = Tree("old", workdir / "old", previous)
        _export(previous, old.path)
        new = Tree("new", REPO_ROOT, git("rev-parse", "HEAD").stdout.strip() or "working tree")

        database_url, query = stack.enter_context(_throwaway_database(database_settings, workdir))
        notes.append(f"database {database_url.rsplit('/', 1)[-1]}")
        notes.append(f"cache {'Redis, shared' if redis_url else 'each server its own memory'}")
        prefix = f"pitstop-upgrade-{secrets.token_hex(4)}"
        if redis_url:
            stack.callback(_forget_keys, redis_url, prefix)
        env = _environment(workdir, database_url, redis_url, prefix)

        with ThreadPoolExecutor(max_workers=3) as pool:
            # Each tree's processes import that tree's code, though this virtualenv has the
            # checkout installed (editable): its own folder comes first on the path.
            imports = {tree.name: pool.submit(tree.imported_from, env) for tree in (old, new)}
            # The servers boot while the database is migrated (no request reaches them before
            # that): the old one runs across the upgrade, as on a host.
            servers = []
            for tree in (old, new):
                server = _start(tree, workdir, env)
                stack.callback(stop_process, server.process, name=f"{tree.name} gunicorn")
                servers.append(server)
            # What a host does first: `migrate` with the new release, old app servers running.
            new.manage("migrate", "--no-input", env=env)
            notes.append(f"migrated by the new code in {time.monotonic() - started:.1f} s")
            for tree in (old, new):
                stray = {
                    name: path
                    for name, path in imports[tree.name].result().items()
                    if not _inside(path, tree.path)
                }
                if stray:
                    raise UpgradeError(f"the {tree.name} code imports from elsewhere: {stray}")
            # Then the old code: an old app server that restarts in the meantime
            # (Restart=on-failure) runs its own `migrate` first (ExecStartPre in
            # deploy/systemd/pitstop-web.service), which must find nothing to do on the newer
            # schema; and it writes a whole demo into the new schema: every INSERT it has.
            old_code = pool.submit(_old_code_on_the_new_schema, old, env)
            for server in servers:
                wait_until_serving(
                    server.process, server.port, STARTUP_TIMEOUT, server.log_path, name=server.name
                )
            notes.append(f"both servers up at {time.monotonic() - started:.1f} s")
            old_code.result()
        notes.append(f"old code's migrate and demo done at {time.monotonic() - started:.1f} s")
        yield Upgrade(servers[0], servers[1], database_url, env, query, notes)


def _old_code_on_the_new_schema(old: Tree, env: Mapping[str, str]) -> None:
    """The previous release's `migrate` (finds nothing to do) and `seed_demo` (writes), side by
    side: the migrate only reads, and the demo need not wait for it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        migrated = pool.submit(old.manage, "migrate", "--no-input", env=env)
        old.manage("seed_demo", "--in-production", env=env)
        said = migrated.result()
    if "No migrations to apply" not in said:
        raise UpgradeError(f"the old code's migrate did something on the new schema:\n{said}")


def _export(commit: str, into: Path) -> None:
    """The commit's files (not its .git) into a folder: `git archive`, read as a tar stream."""
    archive = subprocess.run(
        [GIT, "archive", "--format=tar", commit],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if archive.returncode != 0:
        raise UpgradeError(f"git archive {commit} failed: {archive.stderr.decode().strip()}")
    into.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def _environment(workdir: Path, database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    settings_dir = workdir / "settings"
    settings_dir.mkdir()
    (settings_dir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS.format(prefix=prefix))
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the test run's own set-up, nor a developer's Sentry or gunicorn flags.
        if key not in ("REDIS_URL", "SENTRY_DSN", "GUNICORN_CMD_ARGS", "PROMETHEUS_MULTIPROC_DIR")
        and not key.startswith(("BACKUP_", "ERASURE_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        # The settings module only: each tree's own code comes first, from its working folder.
        PYTHONPATH=str(settings_dir),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(workdir / "media"),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _start(tree: Tree, workdir: Path, env: Mapping[str, str]) -> Server:
    """gunicorn (gthread, one worker) from the tree's folder, on a port bound here."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    log_path = workdir / f"{tree.name}-gunicorn.log"
    access_log = workdir / f"{tree.name}-access.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "expeditie.wsgi:application",
        f"--bind=fd://{listener.fileno()}",
        f"--chdir={tree.path}",
        "--worker-class=gthread",
        "--workers=1",
        "--threads=4",
        "--graceful-timeout=5",
        "--no-control-socket",
        f"--access-logfile={access_log}",
        "--log-level=warning",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=tree.path,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
            start_new_session=True,  # its own process group: the master and its worker
        )
    listener.close()
    return Server(tree.name, tree, port, process, log_path, access_log)


# --- The database ----------------------------------------------------------------------------


@contextlib.contextmanager
def _throwaway_database(
    settings: Mapping, workdir: Path
) -> Iterator[tuple[str, Callable[..., list[tuple]]]]:
    """(DATABASE_URL, a function that runs one query) of a new, empty database."""
    if settings["ENGINE"].endswith("postgresql"):
        import psycopg2

        server = {
            "host": settings.get("HOST") or "127.0.0.1",
            "port": int(settings.get("PORT") or 5432),
            "user": settings.get("USER") or "postgres",
            "password": settings.get("PASSWORD") or None,
        }
        name = f"pitstop_upgrade_{secrets.token_hex(4)}"

        def administer(statement: str) -> None:
            # From the run's own database (the role may connect there, if nowhere else), or the
            # server's `postgres` when that one is not made yet (pytest-django makes test_...).
            for database in (settings["NAME"], "postgres"):
                try:
                    connection = psycopg2.connect(dbname=database, connect_timeout=10, **server)
                    break
                except psycopg2.OperationalError:
                    if database == "postgres":
                        raise
            connection.autocommit = True
            try:
                with connection.cursor() as cursor:
                    cursor.execute(statement)
            finally:
                connection.close()

        def query(sql: str, *params: object) -> list[tuple]:
            with contextlib.closing(psycopg2.connect(dbname=name, **server)) as connection:
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

        administer(f"CREATE DATABASE {name}")
        try:
            password = f":{quote(server['password'], safe='')}" if server["password"] else ""
            user = quote(server["user"], safe="")
            yield f"postgres://{user}{password}@{server['host']}:{server['port']}/{name}", query
        finally:
            # FORCE: the app servers' persistent connections may not be closed yet.
            administer(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        path = workdir / "upgrade.sqlite3"

        def query(sql: str, *params: object) -> list[tuple]:
            with contextlib.closing(sqlite3.connect(path, timeout=20)) as connection:
                return connection.execute(sql.replace("%s", "?"), params).fetchall()

        yield f"sqlite:///{path}", query


def _forget_keys(redis_url: str, prefix: str) -> None:
    import redis

    cache = redis.Redis.from_url(redis_url)
    keys = list(cache.scan_iter(match=f"{prefix}:*"))
    if keys:
        cache.delete(*keys)


# --- A browser that talks to either server -------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    server: str


class ServerFailed(AssertionError):
    """A server answered 5xx, or not at all."""


class Visitor:
    """A phone or a laptop: its own cookies, whichever server answers (cookies are per host, not
    per port, so both servers get them, as behind nginx)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cookies: dict[str, str] = {}
        self.history: list[str] = []  # "old GET /path 200", for a failure's message

    def request(
        self,
        server: Server,
        method: str,
        path: str,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        body = urlencode(data, doseq=True) if data is not None else None
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            raise ServerFailed(
                f"{self.name}: {server.name} server did not answer {method} {path}: {error!r}"
            ) from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.history.append(f"{server.name} {method} {path} {response.status}")
        if response.status >= 500:
            raise ServerFailed(
                f"{self.name}: the {server.name} code ({server.tree.commit[:10]}) answered "
                f"{method} {path} with HTTP {response.status}.\nIts log:\n{server.log()}"
            )
        return Answer(response.status, dict(response.headers), text, server.name)

    def get(self, server: Server, path: str, **headers: str) -> Answer:
        return self.request(server, "GET", path, headers=headers)

    def post(self, server: Server, path: str, data: Mapping[str, object], **headers: str) -> Answer:
        """A form's POST, with the CSRF token of the cookie (a page with a form came first)."""
        token = self.cookies.get("csrftoken")
        if token is None:
            raise AssertionError(f"{self.name}: no CSRF cookie yet; get a page with a form first")
        return self.request(server, "POST", path, {"csrfmiddlewaretoken": token, **data}, headers)


def find(pattern: str, text: str, what: str) -> str:
    """The first group of `pattern` in a page, or a failure that says what was looked for."""
    match = re.search(pattern, text, re.S)
    if match is None:
        raise AssertionError(f"{what} not found on the page (pattern {pattern!r})")
    return match.group(1)
