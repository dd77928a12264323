"""The pieces every benchmark shares: the production server, a load generator and BENCH lines.

A figure is only worth comparing when it is measured the way production runs: gunicorn with
threaded workers, production settings, collected static files, no debug. `running_server` sets
that up against a throwaway database, so a benchmark never touches the developer's db.sqlite3.
`load` drives it from separate processes, because client threads in the benchmark's own process
would fight the GIL and measure Python instead of the server.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import multiprocessing.synchronize
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
HEALTH_PATH = "/gezond/"
# Every request stays on this machine: `load` refuses any other host.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Spawning a client process and importing this module takes well under a second; this is slack.
_STARTUP_TIMEOUT = 30.0


class BenchmarkError(RuntimeError):
    """A benchmark could not produce a figure worth printing; `make bench` exits non-zero."""


class BenchmarkSkipped(Exception):
    """A benchmark cannot run on this machine; the message says what is missing and how to get
    it. `make bench` names it at the top and at the end, and fails in CI (`CI=true`)."""


def in_ci() -> bool:
    """Any truthy CI variable ("true", "1", "yes"...)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


class ServerError(BenchmarkError):
    """The server under test did not start, or its set-up commands failed."""


# --- Output ---------------------------------------------------------------------------------


def bench_line(name: str, value: float, unit: str, *, digits: int = 1) -> str:
    """`BENCH <name> <value> <unit>`: four space-separated fields, which is what scripts parse."""
    for label, text in (("name", name), ("unit", unit)):
        if not text or any(char.isspace() for char in text):
            raise ValueError(f"BENCH {label} must be one word, got {text!r}")
    if not math.isfinite(value):
        raise ValueError(f"BENCH {name} has no finite value: {value!r}")
    return f"BENCH {name} {value:.{digits}f} {unit}"


def print_bench(name: str, value: float, unit: str, *, digits: int = 1) -> None:
    """Print a BENCH line on stdout, flushed: a pipe sees it even if a later benchmark hangs."""
    print(bench_line(name, value, unit, digits=digits), flush=True)


def log(message: str) -> None:
    """Diagnostics go to stderr, keeping stdout for BENCH lines only."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- The server -----------------------------------------------------------------------------


def cpu_count() -> int:
    """CPUs this process may use (a container's limit, not the host's), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@contextlib.contextmanager
def running_server(
    *,
    workers: int | None = None,
    threads: int = 4,
    setup: Sequence[Sequence[str]] = (),
    startup_timeout: float = 30.0,
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve the project as production does, on a fresh database; yield its base URL.

    gunicorn runs `expeditie.wsgi:application` with gthread workers (one per CPU unless `workers`
    says otherwise) and production settings, minus HTTPS: the benchmark talks plain HTTP to
    127.0.0.1. `setup` holds extra `manage.py` commands run after `migrate`, e.g.
    `[["seed_demo"]]`, for benchmarks that need data. `environment` overrides variables, e.g.
    a `DATABASE_URL` on PostgreSQL. The server is stopped on exit, always.
    """
    with tempfile.TemporaryDirectory(prefix="pitstop-bench-") as tmp:
        workdir = Path(tmp)
        env = {**production_environment(workdir), **(environment or {})}
        for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"], *setup):
            manage(list(command), env)

        # Bind the port here and hand the socket to gunicorn (`fd://`): no window in which
        # another process could take a port we picked. gunicorn calls listen() itself, so
        # connections are refused, not queued, until it is up.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "expeditie.wsgi:application",
            f"--bind=fd://{listener.fileno()}",
            "--worker-class=gthread",
            f"--workers={workers or cpu_count()}",
            f"--threads={threads}",
            "--log-level=warning",
            "--graceful-timeout=5",
            # The default control socket lives in $XDG_RUNTIME_DIR or ~/.gunicorn, shared by
            # every gunicorn on the machine.
            "--no-control-socket",
        ]
        log_path = workdir / "gunicorn.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
                # Its own process group, so a stuck master and its workers can be killed together.
                start_new_session=True,
            )
        listener.close()
        base_url = f"http://127.0.0.1:{port}"
        started = False
        try:
            wait_until_serving(process, port, startup_timeout, log_path)
            started = True
            log(
                f"gunicorn serves {base_url} ({workers or cpu_count()} workers x {threads} threads)"
            )
            yield base_url
        finally:
            stop_process(process)
            server_log = log_path.read_text(errors="replace").strip()
            if started and server_log:  # a failed start carries the log in its ServerError
                log(f"gunicorn said:\n{server_log}")


def production_environment(workdir: Path) -> dict[str, str]:
    """Production settings, a random key and a database and media folder that die with `workdir`."""
    env = dict(os.environ)
    # A developer's gunicorn flags would make figures incomparable between machines.
    env.pop("GUNICORN_CMD_ARGS", None)
    env.update(
        DJANGO_SETTINGS_MODULE="expeditie.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        # Its own static files: servers started at the same time never share a half-written one.
        STATIC_ROOT=str(workdir / "static"),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(command: list[str], env: Mapping[str, str]) -> None:
    """Run one `manage.py` command; its output only matters, on stderr, when it fails."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise ServerError(f"manage.py {' '.join(command)} failed:\n{tail(output)}")


def wait_until_serving(
    process: subprocess.Popen[bytes],
    port: int,
    timeout: float,
    log_path: Path,
    *,
    name: str = "gunicorn",
) -> None:
    """Poll the health view until it answers 200; fail fast if the server exits instead.

    Any other answer fails at once: the server is up, and waiting will not change its mind.
    """
    deadline = time.monotonic() + timeout
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise server_error(f"{name} exited with {process.returncode}", log_path)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", HEALTH_PATH)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            last_problem = type(exc).__name__
            time.sleep(0.1)
            continue
        finally:
            connection.close()
        if response.status == 200:
            return
        raise server_error(f"GET {HEALTH_PATH} answered HTTP {response.status}, not 200", log_path)
    raise server_error(f"{name} did not answer within {timeout:.0f} s ({last_problem})", log_path)


def stop_process(
    process: subprocess.Popen[bytes], *, name: str = "gunicorn", timeout: float = 10.0
) -> None:
    """Ask a server to stop (SIGTERM: graceful for gunicorn, quick for nginx), then kill its whole
    process group if it lingers. The process must lead its own group (`start_new_session`)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{name} ignored SIGTERM; killing it")
    with contextlib.suppress(ProcessLookupError):
        # The workers share the group; after a clean stop this finds nobody left.
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def server_error(problem: str, log_path: Path) -> ServerError:
    """The problem, and the end of the server's log, which usually says why."""
    output = tail(log_path.read_text(errors="replace"))
    return ServerError(f"{problem}:\n{output}" if output else problem)


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --- The load generator ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request to send; a request factory returns one of these per request."""

    path: str = "/"
    method: str = "GET"
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


# Called in a client process with a number unique within the run, so requests can vary (another
# object, another user). It is pickled into the client processes: use a module-level function
# or a functools.partial of one, not a lambda.
RequestFactory = Callable[[int], Request]


@dataclass(frozen=True)
class LoadResult:
    """What one `load` run measured. Only responses that finished in the measured window count."""

    requests: int
    errors: int
    seconds: float
    clients: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    error_kinds: dict[str, int]

    @property
    def rps(self) -> float:
        """Successful responses per second; fast error pages must not look like speed."""
        return (self.requests - self.errors) / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_rate(self) -> float:
        """Share of failed requests; 1.0 when nothing finished, which is no success either."""
        return self.errors / self.requests if self.requests else 1.0

    def summary(self) -> str:
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(self.error_kinds.items()))
        return (
            f"{self.requests} requests in {self.seconds:.1f} s by {self.clients} clients, "
            f"{self.rps:.1f} req/s, p50 {self.p50_ms:.2f} ms, p95 {self.p95_ms:.2f} ms, "
            f"p99 {self.p99_ms:.2f} ms, {self.errors} errors ({self.error_rate:.2%})"
            + (f" [{kinds}]" if kinds else "")
        )


def check_error_rate(result: LoadResult, *, max_rate: float = 0.01) -> None:
    """Refuse a figure measured with too many failures: it would describe the failures."""
    if result.requests == 0:
        raise BenchmarkError("no request finished in the measured window")
    if result.error_rate > max_rate:
        kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(result.error_kinds.items()))
        raise BenchmarkError(
            f"{result.errors} of {result.requests} requests failed "
            f"({result.error_rate:.2%}, at most {max_rate:.0%} allowed) [{kinds}]"
        )


def load(
    url: str,
    target: Request | RequestFactory | None = None,
    *,
    duration: float,
    warmup: float = 0.0,
    processes: int = 2,
    threads: int = 4,
    max_requests: int = 1_000_000,
    timeout: float = 10.0,
) -> LoadResult:
    """Hammer `url` from `processes` x `threads` keep-alive connections for `duration` seconds.

    With only a URL every request is a GET of its path; `target` replaces that with a fixed
    `Request` or a `RequestFactory`, whose paths are relative to the URL's host. Nothing is
    recorded during `warmup` (connections open, workers and caches warm up). Any response
    other than 2xx/3xx and any connection failure is an error; latencies are those of the
    successful responses.

    It always stops by itself: no client starts a request after `warmup + duration`, each
    request is cut off after `timeout` seconds, at most `max_requests` are measured, and a
    client process that overruns all that is killed and reported as a `BenchmarkError`.

    The clients are spawned processes: the caller's `__main__` must be a file or a `-m` module
    (not `python -`), and a `RequestFactory` must pickle.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmarks only send plain HTTP to this machine, not to {url!r}")
    if duration <= 0 or warmup < 0 or processes < 1 or threads < 1 or max_requests < 1:
        raise ValueError("duration, processes, threads and max_requests must be positive")
    if target is None:
        target = Request(path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""))

    clients = processes * threads
    plan = _Plan(
        host=parts.hostname,
        port=parts.port or 80,
        target=target,
        warmup=warmup,
        duration=duration,
        threads=threads,
        stride=clients,
        max_per_thread=math.ceil(max_requests / clients),
        timeout=timeout,
    )
    # spawn, not fork: the caller may run threads (a test server, a ThreadPool), and forking a
    # threaded process can deadlock; spawn costs a fraction of a second per process.
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    workers = [
        context.Process(
            target=_client,
            args=(plan, index, go, results, _STARTUP_TIMEOUT),
            name=f"bench-client-{index}",
            daemon=True,
        )
        for index in range(processes)
    ]
    try:
        for worker in workers:
            worker.start()
        # Start all clients at once: spawning takes long enough to skew the windows otherwise.
        _receive(results, workers, "ready", time.monotonic() + _STARTUP_TIMEOUT)
        go.set()
        reports = _receive(
            results, workers, "done", time.monotonic() + warmup + duration + timeout + 5
        )
    finally:
        for worker in workers:
            worker.join(timeout=2)
            if worker.is_alive():
                worker.kill()
                worker.join()
        results.close()
    return _combine(reports, clients, duration)


@dataclass(frozen=True)
class _Plan:
    """Everything a client process needs; pickled into it."""

    host: str
    port: int
    target: Request | RequestFactory
    warmup: float
    duration: float
    threads: int
    stride: int
    max_per_thread: int
    timeout: float


@dataclass
class _ClientReport:
    """One client thread's (or, merged, one process's) counts; pickled back to the parent."""

    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    latencies: array[float] = field(default_factory=lambda: array("d"))

    def merge(self, other: _ClientReport) -> None:
        self.requests += other.requests
        self.errors.update(other.errors)
        self.seconds = max(self.seconds, other.seconds)
        self.latencies.extend(other.latencies)


def _receive(
    results: multiprocessing.queues.Queue[tuple[str, Any]],
    workers: list[multiprocessing.process.BaseProcess],
    kind: str,
    deadline: float,
) -> list[Any]:
    """One `kind` message per client process; a failed or dead client fails the run at once."""
    payloads: list[Any] = []
    while len(payloads) < len(workers):
        try:
            message, payload = results.get(timeout=0.2)
        except queue.Empty:
            crashed = [worker for worker in workers if worker.exitcode not in (None, 0)]
            if crashed:
                raise BenchmarkError(
                    f"load client {crashed[0].name} exited with code {crashed[0].exitcode}"
                ) from None
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the load clients did not report {kind!r} in time") from None
            continue
        if message == "failed":
            raise BenchmarkError(f"a load client failed: {payload}")
        payloads.append(payload)
    return payloads


def _client(
    plan: _Plan,
    index: int,
    go: multiprocessing.synchronize.Event,
    results: multiprocessing.queues.Queue[tuple[str, Any]],
    startup_timeout: float,
) -> None:
    """A client process: report ready, start on the parent's signal, run the threads, report."""
    try:
        results.put(("ready", None))
        if not go.wait(timeout=startup_timeout):
            return  # the parent gave up on a slower sibling
        start = time.perf_counter()
        reports = [_ClientReport() for _ in range(plan.threads)]
        threads = [
            threading.Thread(
                target=_hammer,
                args=(plan, index * plan.threads + number, start, reports[number]),
                daemon=True,
            )
            for number in range(plan.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        merged = _ClientReport()
        for report in reports:
            merged.merge(report)
        results.put(("done", merged))
    except BaseException as exc:  # the parent must hear about it rather than wait for a timeout
        results.put(("failed", repr(exc)))
        raise


def _hammer(plan: _Plan, client: int, start: float, report: _ClientReport) -> None:
    """One client thread: requests back to back on one keep-alive connection until time is up."""
    measure_from = start + plan.warmup
    until = measure_from + plan.duration
    connection: http.client.HTTPConnection | None = None
    number = 0
    stopped = until
    try:
        while True:
            began = time.perf_counter()
            if began >= until:
                break
            if report.requests >= plan.max_per_thread:
                stopped = began
                break
            target = plan.target
            request = (
                target if isinstance(target, Request) else target(number * plan.stride + client)
            )
            number += 1
            error = None
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(
                        plan.host, plan.port, timeout=plan.timeout
                    )
                connection.request(
                    request.method, request.path, body=request.body, headers=dict(request.headers)
                )
                response = connection.getresponse()
                response.read()  # the whole body, or the connection cannot be reused
                if not 200 <= response.status < 400:
                    error = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                if connection is not None:
                    connection.close()
                connection = None  # reconnect on the next request
            finished = time.perf_counter()
            if measure_from <= finished <= until:
                report.requests += 1
                if error is None:
                    report.latencies.append(finished - began)
                else:
                    report.errors[error] += 1
    finally:
        if connection is not None:
            connection.close()
    report.seconds = max(0.0, min(stopped, until) - measure_from)


def _combine(reports: list[_ClientReport], clients: int, duration: float) -> LoadResult:
    merged = _ClientReport()
    for report in reports:
        merged.merge(report)
    latencies = sorted(merged.latencies)
    return LoadResult(
        requests=merged.requests,
        errors=sum(merged.errors.values()),
        seconds=min(merged.seconds, duration),
        clients=clients,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p95_ms=_percentile(latencies, 0.95) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        error_kinds=dict(merged.errors),
    )


def _percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: a latency some request really had. NaN without any."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]
