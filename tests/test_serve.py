"""`make serve` runs the production set-up on this machine: it answers, and it stops whole."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.conf import settings

STARTUP_SECONDS = 120  # migrate a new database and collect static files, on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def commands_in_session(session_id: int) -> list[str]:
    """The command lines of every process in this session (what `pgrep -s` shows)."""
    commands = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session_id:
                commands.append((stat.parent / "cmdline").read_text().replace("\0", " "))
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return commands


def test_serve_answers_health_and_log_in_and_stops_with_its_worker(tmp_path: Path):
    port, stream_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "REDIS_URL", "DEBUG")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        PITSTOP_BIND=f"127.0.0.1:{port}",
        PITSTOP_STREAM_BIND=f"127.0.0.1:{stream_port}",
        STATIC_ROOT=str(tmp_path / "static"),
        SECRET_KEY="a-test-secret-that-is-long-enough-for-the-checks-0123456789",
    )
    server = subprocess.Popen(
        [str(settings.BASE_DIR / "deploy" / "serve")],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while status_of(port, "/gezond/") != 200 or status_of(stream_port, "/gezond/") != 200:
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "make serve did not answer in time"
            time.sleep(0.5)  # polling a starting server: waiting for a condition
        assert status_of(port, "/inloggen/") == 200
        assert status_of(port, "/static/css/pitstop.css") == 200
        running = commands_in_session(server.pid)
        assert any("db_worker" in command for command in running), running
        assert any("gunicorn" in command for command in running), running
        assert any("uvicorn" in command for command in running), running
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in the terminal
        output = server.communicate(timeout=60)[0].decode()
    assert "production settings" in output
    assert not commands_in_session(server.pid), "nothing keeps running after Ctrl-C"
