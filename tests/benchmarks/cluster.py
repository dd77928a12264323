"""Pitstop scaled out, as a host runs it: nginx in front of two app servers on one database.

`running_cluster` makes a PostgreSQL database of its own, migrates it and collects the static
files, starts app servers (gunicorn with `deploy/gunicorn.conf.py` and production settings, each
with its own access log) that share that database and one Redis database, and puts Debian's
nginx in front of them. nginx runs with the project's own files from `deploy/nginx/`, included
unchanged: the configuration generated here holds only what differs on this machine (the listen
port, the app servers' ports, the temporary folder for pid, logs and buffers).

Everything stops when the block ends, also when it fails halfway: nginx, the app servers, the
database and the Redis keys. Used by the scale-out test (tests/test_scaleout.py) and the
`live200` benchmark.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import redis

from .server import (
    REPO_ROOT,
    ServerError,
    log,
    manage,
    production_environment,
    stop_process,
    tail,
    wait_until_serving,
)
from .tcp_proxy import Proxy

NGINX = Path(os.environ.get("PITSTOP_NGINX", "/usr/sbin/nginx"))
DEPLOY = REPO_ROOT / "deploy"
NGINX_FILES = DEPLOY / "nginx"
GUNICORN_CONFIG = DEPLOY / "gunicorn.conf.py"
# The server that owns the throwaway databases (each run makes `pitstop_scale_<random>`).
POSTGRES_HOST = os.environ.get("SCALEOUT_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("SCALEOUT_POSTGRES_PORT", "5432"))
POSTGRES_USER = os.environ.get("SCALEOUT_POSTGRES_USER", "postgres")
# A Redis database of its own: it is emptied before and after. The shared-cache tests use 15.
REDIS_URL = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/12")
# gunicorn finishes the requests in flight on SIGTERM (graceful_timeout = 20 in the config).
GUNICORN_STOP_TIMEOUT = 30.0


def missing_services(redis_url: str = REDIS_URL) -> list[str]:
    """What this machine lacks for a cluster (nginx, PostgreSQL, Redis), one sentence each that
    says how to get it; empty when nothing is missing."""
    missing = []
    if not os.access(NGINX, os.X_OK):
        if "PITSTOP_NGINX" in os.environ:
            missing.append(f"nginx is not at {NGINX} (PITSTOP_NGINX)")
        else:
            missing.append("nginx is not installed (apt-get install nginx)")
    try:
        _admin_connection().close()
    except psycopg2.Error as error:
        missing.append(
            f"PostgreSQL does not answer at {POSTGRES_HOST}:{POSTGRES_PORT} ({str(error).strip()})"
        )
    try:
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
    except redis.RedisError as error:
        missing.append(f"Redis does not answer at {redis_url} ({error})")
    return missing


@dataclass
class AppServer:
    """One gunicorn behind nginx."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    access_log: Path
    log_path: Path
    # With `running_cluster(database_proxies=True)`: its own way to PostgreSQL, which can be
    # cut (`database.cut()`, `database.restore()`) to take this server's database away.
    database: Proxy | None = None
    # Its stream server (uvicorn with deploy/streams), which nginx sends the live screens'
    # streams to; it stops with the app server.
    streams: StreamServer | None = None

    def request_lines(self) -> list[str]:
        """Its access log: one line per request it answered."""
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(errors="replace").splitlines()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM, as a deploy or a shutdown sends it: gunicorn finishes what it has in hand,
        the stream server's screens reconnect to another."""
        log(f"{self.name}: SIGTERM")
        self.process.send_signal(signal.SIGTERM)
        if self.streams is not None:
            self.streams.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = GUNICORN_STOP_TIMEOUT) -> int:
        if self.streams is not None:
            self.streams.process.wait(timeout=timeout)
        return self.process.wait(timeout=timeout)


@dataclass
class StreamServer:
    """uvicorn with deploy/streams, beside an app server."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def stream_lines(self) -> list[str]:
        """Its log's access lines: one per stream it served."""
        if not self.log_path.exists():
            return []
        return [
            line
            for line in self.log_path.read_text(errors="replace").splitlines()
            if "/stroom/" in line
        ]


@dataclass
class Cluster:
    """What `running_cluster` yields: nginx's URL, the app servers, the shared database."""

    url: str
    servers: list[AppServer]
    database: str
    database_url: str
    redis_url: str
    workdir: Path
    nginx_access_log: Path
    nginx_error_log: Path
    nginx_pid: int  # its process group: the master and its worker

    def connect(self):
        """A psycopg2 connection to the cluster's database (autocommit), to count what is stored."""
        connection = psycopg2.connect(
            host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname=self.database
        )
        connection.autocommit = True
        return connection

    def stored_cards(self, session_ids: list[int]) -> dict[str, int]:
        """How often each client id is stored among the cards of these sessions (once, if the
        phones' retries are right)."""
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT client_id::text, count(*) FROM pitstops_reflection"
                " WHERE session_id = ANY(%s) AND client_id IS NOT NULL GROUP BY client_id",
                [session_ids],
            )
            return dict(cursor.fetchall())

    def request_counts(self, contains: str = "") -> dict[str, int]:
        """Requests each app server answered (lines in its access log), optionally only those
        whose line contains `contains`, e.g. '"POST /doe-mee/ '."""
        return {
            server.name: sum(contains in line for line in server.request_lines())
            for server in self.servers
        }

    def share_summary(self) -> str:
        counts = self.request_counts()
        total = sum(counts.values()) or 1
        return ", ".join(f"{name} {count} ({count / total:.0%})" for name, count in counts.items())

    def logs(self) -> str:
        """The end of every server's log: what to read when something went wrong."""
        parts = [
            f"{server.name} ({server.log_path.name}):\n{tail(server.log_path.read_text())}"
            for server in self.servers
            if server.log_path.exists()
        ]
        parts += [
            f"{server.name} streams:\n{tail(server.streams.log_path.read_text())}"
            for server in self.servers
            if server.streams is not None and server.streams.log_path.exists()
        ]
        if self.nginx_error_log.exists():
            parts.append(f"nginx (error.log):\n{tail(self.nginx_error_log.read_text())}")
        return "\n".join(parts)


@contextlib.contextmanager
def running_cluster(
    *,
    servers: int = 2,
    workers: int = 1,
    threads: int = 2,
    setup: Sequence[Sequence[str]] = (),
    environment: Mapping[str, str] | None = None,
    redis_url: str = REDIS_URL,
    database_proxies: bool = False,
    startup_timeout: float = 60.0,
) -> Iterator[Cluster]:
    """nginx in front of `servers` gunicorns (each `workers` x `threads`) on a fresh PostgreSQL
    database and an emptied Redis database; yields the `Cluster`. `setup` holds extra
    `manage.py` commands, run after `migrate` and `collectstatic` (e.g. `[["seed_demo",
    "--in-production"]]`). With `database_proxies` each app server reaches PostgreSQL through
    a `Proxy` of its own, so a test can take one server's database away. Everything is stopped
    and removed on exit."""
    missing = missing_services(redis_url)
    if missing:
        raise ServerError("the cluster cannot start: " + "; ".join(missing))
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pitstop-scale-")))
        database = f"pitstop_scale_{secrets.token_hex(4)}"
        _create_database(database)
        stack.callback(_drop_database, database)
        cache = redis.Redis.from_url(redis_url)
        cache.flushdb()
        stack.callback(cache.flushdb)

        database_url = f"postgres://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"
        env = {
            **production_environment(workdir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # deploy/gunicorn.conf.py reads these; the rest comes from the file itself.
            "WEB_CONCURRENCY": str(workers),
            "PITSTOP_THREADS": str(threads),
            **(environment or {}),
        }
        started = time.monotonic()
        # collectstatic (compressing every file, the slow part) needs no database: beside migrate.
        with _managing(["collectstatic", "--no-input"], env, workdir):
            for command in (["migrate", "--no-input"], *setup):
                manage(list(command), env)
        log(f"cluster: database {database} ready in {time.monotonic() - started:.1f} s")

        app_servers = []
        for number in range(1, servers + 1):
            proxy = None
            server_env = env
            if database_proxies:
                proxy = Proxy((POSTGRES_HOST, POSTGRES_PORT))
                stack.callback(proxy.close)  # after the server stopped: callbacks run backwards
                server_env = {
                    **env,
                    "DATABASE_URL": database_url.replace(f":{POSTGRES_PORT}/", f":{proxy.port}/"),
                }
            server = _start_gunicorn(f"app{number}", workdir, server_env)
            server.database = proxy
            stack.callback(_stop_gunicorn, server)
            server.streams = _start_streams(f"app{number}", workdir, server_env)
            stack.callback(_stop_streams, server.streams)
            app_servers.append(server)
        for server in app_servers:
            wait_until_serving(server.process, server.port, startup_timeout, server.log_path)
            streams = server.streams
            wait_until_serving(
                streams.process, streams.port, startup_timeout, streams.log_path, name="uvicorn"
            )

        url, access_log, error_log, nginx_pid = _start_nginx(
            stack, workdir, app_servers, startup_timeout
        )
        log(
            f"cluster: nginx {url} in front of {servers} app servers "
            f"({workers} workers x {threads} threads each), up in "
            f"{time.monotonic() - started:.1f} s"
        )
        yield Cluster(
            url=url,
            servers=app_servers,
            database=database,
            database_url=database_url,
            redis_url=redis_url,
            workdir=workdir,
            nginx_access_log=access_log,
            nginx_error_log=error_log,
            nginx_pid=nginx_pid,
        )


@contextlib.contextmanager
def _managing(command: list[str], env: Mapping[str, str], workdir: Path) -> Iterator[None]:
    """Run a `manage.py` command in the background while the block runs; fail if it failed."""
    output = workdir / f"{command[0]}.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
        returncode = process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if returncode != 0:
        text = tail(output.read_text(errors="replace"))
        raise ServerError(f"manage.py {' '.join(command)} failed:\n{text}")


# --- PostgreSQL ------------------------------------------------------------------------------


def _admin_connection():
    connection = psycopg2.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=POSTGRES_USER,
        dbname="postgres",
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


def _administer(statement: str) -> None:
    """One statement on the server's `postgres` database, outside any transaction."""
    connection = _admin_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def _create_database(name: str) -> None:
    _administer(f"CREATE DATABASE {name}")


def _drop_database(name: str) -> None:
    # FORCE: the app servers' persistent connections may not be closed yet.
    _administer(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- gunicorn --------------------------------------------------------------------------------


def _start_gunicorn(name: str, workdir: Path, env: Mapping[str, str]) -> AppServer:
    """gunicorn with deploy/gunicorn.conf.py on a port bound here and handed over (`fd://`)."""
    access_log = workdir / f"{name}-access.log"
    log_path = workdir / f"{name}.log"
    port, process = _start_on_a_port(
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)],
        "PITSTOP_BIND",
        {**env, "PITSTOP_ACCESS_LOG": str(access_log)},
        log_path,
    )
    return AppServer(name, port, process, access_log, log_path)


def _start_on_a_port(
    command: list[str], bind_variable: str, env: Mapping[str, str], log_path: Path
) -> tuple[int, subprocess.Popen[bytes]]:
    """A server on a port bound here and handed over (`fd://<n>` in `bind_variable`), in a
    process group of its own (a master and its workers), writing to `log_path`."""
    listener = _listening_socket()
    port = listener.getsockname()[1]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**env, bind_variable: f"fd://{listener.fileno()}"},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
            start_new_session=True,
        )
    listener.close()
    return port, process


def _stop_gunicorn(server: AppServer) -> None:
    stop_process(server.process, name=server.name, timeout=GUNICORN_STOP_TIMEOUT)


def _start_streams(name: str, workdir: Path, env: Mapping[str, str]) -> StreamServer:
    """deploy/streams (uvicorn) on a port bound here and handed over, as gunicorn's."""
    log_path = workdir / f"{name}-streams.log"
    port, process = _start_on_a_port(
        [str(DEPLOY / "streams")],
        "PITSTOP_STREAM_BIND",
        {**env, "PITSTOP_PYTHON": sys.executable},
        log_path,
    )
    return StreamServer(port, process, log_path)


def _stop_streams(streams: StreamServer) -> None:
    stop_process(streams.process, name="uvicorn", timeout=GUNICORN_STOP_TIMEOUT)


def _listening_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    return listener


# --- nginx -----------------------------------------------------------------------------------


def nginx_configuration(
    workdir: Path, port: int, app_ports: Sequence[int], stream_ports: Sequence[int] = ()
) -> str:
    """nginx.conf for this machine: the listen port, the app servers, the temporary paths.
    Everything else is included from deploy/nginx/ as a host includes it."""
    # As root, nginx hands its workers to `nobody`, who may not read the checkout.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    servers = "\n".join(f"        server 127.0.0.1:{app_port};" for app_port in app_ports)
    # Without stream servers, the app servers answer the streams (204: the screens poll).
    streams = "\n".join(
        f"        server 127.0.0.1:{stream_port};" for stream_port in stream_ports or app_ports
    )
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / 'nginx' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Generated by tests/benchmarks/cluster.py: only what differs on this machine.
{user}
daemon off;
worker_processes 1;
# Every open screen holds two connections (phone and stream server), and its phone a kept-alive
# one for its cards: 1,200 phones need some 5,000.
worker_rlimit_nofile 20000;
pid {workdir / "nginx" / "nginx.pid"};
error_log {workdir / "nginx" / "error.log"} warn;

events {{
    worker_connections 10000;
}}

http {{
    log_format pitstop '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                       'upstream=$upstream_addr status=$upstream_status time=$request_time';
    access_log {workdir / "nginx" / "access.log"} pitstop;
{temp}

    upstream pitstop_app {{
{servers}
        include {NGINX_FILES / "pitstop-upstream.conf"};
    }}

    upstream pitstop_streams {{
{streams}
    }}

    server {{
        listen 127.0.0.1:{port};
        set $pitstop_nginx {NGINX_FILES};
        include {NGINX_FILES / "pitstop-locations.conf"};
    }}
}}
"""


def _start_nginx(
    stack: contextlib.ExitStack, workdir: Path, servers: Sequence[AppServer], timeout: float
) -> tuple[str, Path, Path, int]:
    """nginx in the foreground (a child we can stop), as this user, with its files in workdir."""
    folder = workdir / "nginx"
    folder.mkdir()
    error_log = folder / "error.log"
    for attempt in range(3):
        # nginx binds the port itself: take a free one, and try another if someone beat us to it.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = folder / "nginx.conf"
        config.write_text(
            nginx_configuration(
                workdir,
                port,
                [server.port for server in servers],
                [server.streams.port for server in servers if server.streams is not None],
            )
        )
        command = [str(NGINX), "-p", str(folder), "-c", str(config), "-e", str(error_log)]
        checked = subprocess.run(
            [*command, "-t", "-q"], capture_output=True, text=True, timeout=30, check=False
        )
        if checked.returncode != 0:
            raise ServerError(f"nginx -t refused the configuration:\n{tail(checked.stderr)}")
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the master and its worker in a group of their own
        )
        try:
            wait_until_serving(process, port, timeout, error_log, name="nginx")
        except ServerError:
            stop_process(process, name="nginx")
            if attempt < 2 and "Address already in use" in error_log.read_text(errors="replace"):
                continue
            raise
        stack.callback(stop_process, process, name="nginx")
        return f"http://127.0.0.1:{port}", folder / "access.log", error_log, process.pid
    raise ServerError("nginx found no free port in three tries")
