"""live200: a big room behind nginx, with two app servers sharing PostgreSQL and Redis.

The cluster is the scale-out test's (`cluster.running_cluster`: deploy/nginx/ in front of two
gunicorns with deploy/gunicorn.conf.py, each with its stream server, deploy/streams). The
facilitator opens the session and moves it to the reflect phase, where cards stay hidden until
they are revealed; 200 phones join by code, open their page's stream as session.js does (they
poll only while it is not open) and each write 5 cards, one every 2 s, as session.js sends them;
the facilitator's run page gets its stream too. When the run page shows every card, the
facilitator reveals them, and every phone waits until its stream shows them. Then nothing
happens for a while, with every stream open. The phones run as threads, 50 to a client process,
their streams on one event loop per process (`phones.PhoneStreams`).

Figures (`--scale full`: 20 sessions of 60 phones at once, each phone writing a card every 30 s,
the same figures named `live1200_*`):

- `live200_cards_stored`: cards in the database, each client id once (goal: all 1,000);
- `live200_poll_p95_ms`: the phones' polls (0 when every stream stayed open);
- `live200_board_delay_p95_ms`: from a card's POST to the facilitator's run page showing it,
  over its stream (goal: 1 s; full: 3 s);
- `live200_reveal_delay_p95_ms`: from the facilitator's reveal to each phone's stream showing
  all its cards to the group (goal: 1.5 s);
- `live200_5xx`: responses of 500 and up that any phone or facilitator got (goal: 0);
- `live200_app1_share`, `live200_app2_share`: each app server's part of the requests;
- `live200_gunicorn_memory_mb`, `live200_streams_memory_mb`: resident memory of the two app
  servers' gunicorn processes and of their two stream servers, at the end;
- `live_idle_cpu_share`: the servers' CPU time (gunicorn, stream servers, nginx) while every
  phone's stream is open and nothing happens, as a share of one core (goal: under 10 %), with
  `live_idle_open_streams` the number of open streams.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import multiprocessing.synchronize
import os
import queue
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .cluster import missing_services, running_cluster
from .live import Browser
from .phones import Phone, PhoneStreams, StreamingBoard, percentile, poll_every
from .server import BenchmarkError, BenchmarkSkipped, log

if TYPE_CHECKING:
    from .__main__ import Run

CARDS_EACH = 5
WRITE_EVERY = 2.0
# Full scale: 1,200 phones writing a card every 2 s would be 600 cards a second, a hundred
# rooms' worth. At one every 30 s a room of 60 writes its 300 cards in two and a half minutes (a
# brisk round), and the twenty rooms 40 cards a second. (At one every 10 s, 120 a second, two
# cores could not take the cards' POSTs: they queued in gunicorn, board delay p95 17-26 s.)
FULL_WRITE_EVERY = 30.0
PHONES_PER_PROCESS = 50
BOARD_GOAL_MS = 1000
REVEAL_GOAL_MS = 1500
FULL_BOARD_GOAL_MS = 3000
IDLE_CPU_GOAL = 0.10  # of one core, for every open screen together
# Idle: every phone's stream open, nothing happening, for this long (two heartbeats and more).
IDLE_SECONDS = 40.0
# A phone gives up this long after the start: far beyond any goal, only against a hang.
TAKE_PART_SECONDS = 240.0
SESSION_PLACE = "Benchmarkzaal"


def make_sessions(count: int) -> None:
    """Planned sessions for the demo facilitator, for `manage.py shell -c` in the cluster's
    set-up (each coalition has one session per pitstop, so extra pitstops make room)."""
    import datetime

    from django.contrib.auth import get_user_model

    from coalitions.models import Coalition, Expedition
    from pitstops.models import Pitstop, Session

    expedition = Expedition.objects.get(slug="expeditie-2026")
    facilitator = get_user_model().objects.get(username="begeleider")
    coalitions = list(Coalition.objects.filter(expedition=expedition).order_by("pk"))
    day = datetime.date(2027, 3, 1)
    for made in range(count):
        pitstop, _ = Pitstop.objects.get_or_create(
            expedition=expedition,
            number=10 + made // len(coalitions),
            defaults={"title": "Benchmark", "starts_on": day},
        )
        session = Session.objects.create(
            pitstop=pitstop,
            coalition=coalitions[made % len(coalitions)],
            held_on=day,
            place=f"{SESSION_PLACE} {made}",
        )
        session.facilitators.add(facilitator)
        session.themes.add(*expedition.themes.all())


class Facilitator(NamedTuple):
    browser: Browser
    code: str  # the session's join code
    poll_every: float  # seconds between the run page's polls, as its hx-trigger says


def start_session(base_url: str, session_id: int) -> Facilitator:
    """The facilitator logs in, opens the session and moves to the reflect phase."""
    facilitator = Browser(base_url)
    facilitator.log_in_as_facilitator()
    facilitator.post(f"/sessie/{session_id}/bediening/", {"action": "open"})
    facilitator.post(f"/sessie/{session_id}/bediening/", {"action": "go_to", "phase": "reflect"})
    _status, _headers, page = facilitator.request("GET", f"/sessie/{session_id}/leiden/")
    code = re.search(r'class="code">([A-Z0-9]+)<', page)
    if code is None:
        raise BenchmarkError(f"session {session_id} did not open")
    return Facilitator(facilitator, code.group(1), poll_every(page))


def _same_login(browser: Browser, base_url: str) -> Browser:
    """Another connection with the same cookies: the run page polls on its own connection
    while the facilitator presses a button."""
    other = Browser(base_url)
    other.cookies = dict(browser.cookies)
    return other


def _phones(
    base_url: str,
    assignments: list[tuple[int, str]],
    write_every: float,
    index: int,
    go: multiprocessing.synchronize.Event,
    finish: multiprocessing.synchronize.Event,
    results: multiprocessing.queues.Queue[tuple[str, int, Any]],
) -> None:
    """A client process: its phones join at once and open their page's stream, wait for the
    go, take part, report, and keep their streams open (idle) until told to finish."""
    try:
        phones = {number: Phone(base_url, number) for number, _code in assignments}
        problems: list[str] = []

        def join(number: int, code: str) -> None:
            try:
                phones[number].join(code)
            except Exception as error:  # reported to the parent, which stops the run
                problems.append(f"phone {number}: {error!r}")

        _run_all([threading.Thread(target=join, args=pair) for pair in assignments])
        streams = PhoneStreams(base_url, list(phones.values()))
        if not problems:
            streams.start()
            deadline = time.monotonic() + 120
            while streams.open_streams() < len(phones) and time.monotonic() < deadline:
                time.sleep(0.1)
            if streams.open_streams() < len(phones):
                problems.append(f"{len(phones) - streams.open_streams()} streams did not open")
        results.put(("joined", index, problems))
        if problems or not go.wait(timeout=600):
            return
        started = time.monotonic()
        _run_all(
            [
                threading.Thread(
                    target=phone.take_part,
                    args=(CARDS_EACH,),
                    kwargs={
                        "write_every": write_every,
                        "deadline": started + TAKE_PART_SECONDS,
                        # Phones do not write in step: spread over one writing interval.
                        "start_after": (number * 7919 % 1000) / 1000 * write_every,
                        "until_revealed": True,
                    },
                )
                for number, phone in phones.items()
            ]
        )
        results.put(("done", index, [phone.summary() for phone in phones.values()]))
        finish.wait(timeout=600)
        results.put(("idle", index, streams.open_streams()))
        streams.stop()
    except BaseException as error:  # the parent must hear about it rather than wait
        results.put(("failed", index, repr(error)))
        raise


def _run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _receive(
    results: multiprocessing.queues.Queue[tuple[str, int, Any]],
    workers: list[multiprocessing.process.BaseProcess],
    kind: str,
    timeout: float,
) -> list[Any]:
    """One `kind` message per client process, in process order."""
    payloads: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while len(payloads) < len(workers):
        try:
            message, index, payload = results.get(timeout=0.5)
        except queue.Empty:
            if any(worker.exitcode not in (None, 0) for worker in workers):
                raise BenchmarkError("a phone process died") from None
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the phone processes did not report {kind!r}") from None
            continue
        if message == "failed":
            raise BenchmarkError(f"a phone process failed: {payload}")
        if message == "joined" and payload:
            raise BenchmarkError(f"{len(payload)} phones could not join, e.g. {payload[:3]}")
        payloads[index] = payload
    return [payloads[index] for index in sorted(payloads)]


def live200_missing() -> str | None:
    """Why live200 cannot run on this machine, or None: checked before any benchmark runs."""
    return "; ".join(missing_services()) or None


def live200(run: Run) -> None:
    """200 phones in one session behind nginx and two app servers (full: 10 x 60 at once)."""
    if reason := live200_missing():
        raise BenchmarkSkipped(reason)
    full = run.scale.name == "full"
    sessions, phones_each = (20, 60) if full else (1, 200)
    prefix = "live1200" if full else "live200"
    setup = [
        ["seed_demo", "--in-production"],
        [
            "shell",
            "-c",
            f"from tests.benchmarks.scaleout import make_sessions; make_sessions({sessions})",
        ],
    ]
    # Each app server: WEB_CONCURRENCY processes (1) of PITSTOP_THREADS threads (2, as in
    # deploy/gunicorn.conf.py), which that file reads; two servers on two cores.
    workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
    threads = int(os.environ.get("PITSTOP_THREADS", "2"))
    with running_cluster(setup=setup, workers=workers, threads=threads) as cluster:
        with cluster.connect() as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM pitstops_session WHERE place LIKE %s ORDER BY id",
                [f"{SESSION_PLACE} %"],
            )
            session_ids = [row[0] for row in cursor.fetchall()]
        facilitators = {sid: start_session(cluster.url, sid) for sid in session_ids}
        # Phone n is in session n // phones_each; the client processes take a share of each.
        assignments = [
            (number, facilitators[session_ids[number // phones_each]].code)
            for number in range(sessions * phones_each)
        ]
        processes = max(2, math.ceil(len(assignments) / PHONES_PER_PROCESS))
        context = multiprocessing.get_context("spawn")
        go = context.Event()
        finish = context.Event()
        results = context.Queue()
        clients = [
            context.Process(
                target=_phones,
                args=(
                    cluster.url,
                    assignments[index::processes],
                    FULL_WRITE_EVERY if full else WRITE_EVERY,
                    index,
                    go,
                    finish,
                    results,
                ),
                name=f"phones-{index}",
                daemon=True,
            )
            for index in range(processes)
        ]
        # Each facilitator's run page, over its stream.
        boards = {
            sid: StreamingBoard(
                cluster.url, facilitators[sid].browser.cookies, f"/sessie/{sid}/leiden/stroom/"
            )
            for sid in facilitators
        }
        stop_boards = threading.Event()
        board_threads = [
            threading.Thread(target=board.watch, args=(stop_boards, time.monotonic() + 900))
            for board in boards.values()
        ]
        revealed_at: dict[int, float] = {}
        reveal_posts: list[float] = []  # how long each facilitator's reveal took to answer
        try:
            for client in clients:
                client.start()
            began = time.monotonic()
            _receive(results, clients, "joined", 300)
            log(f"{prefix}: {len(assignments)} phones joined in {time.monotonic() - began:.1f} s")
            for thread in board_threads:
                thread.start()
            for board in boards.values():
                if not board.connected.wait(60):
                    raise BenchmarkError("a run page's stream did not open")
            go.set()
            began = time.monotonic()
            # When a session's board shows all its cards, its facilitator reveals them.
            expected = phones_each * CARDS_EACH
            deadline = began + TAKE_PART_SECONDS
            while len(revealed_at) < len(session_ids) and time.monotonic() < deadline:
                for sid, board in boards.items():
                    if sid not in revealed_at and len(board.first_seen) >= expected:
                        revealed_at[sid] = time.monotonic()
                        facilitators[sid].browser.post(
                            f"/sessie/{sid}/bediening/", {"action": "reveal"}
                        )
                        reveal_posts.append(time.monotonic() - revealed_at[sid])
                time.sleep(0.1)
            log(
                f"{prefix}: every board full and revealed {time.monotonic() - began:.1f} s in; "
                f"the reveal's answer took p50 {percentile(reveal_posts, 0.5) * 1000:.0f} ms"
            )
            summaries = [
                phone
                for batch in _receive(results, clients, "done", TAKE_PART_SECONDS + 60)
                for phone in batch
            ]
            log(f"{prefix}: phones done {time.monotonic() - began:.1f} s in")
            if any(
                status.startswith("5")
                for phone in summaries
                for _kind, status in phone["responses"]
            ):
                log(f"{prefix}: errors; the servers' logs:\n{cluster.logs()}")
            idle_share, open_streams = _idle(cluster, prefix, clients, results, finish)
            memory = _memory_mb(cluster)
        finally:
            finish.set()
            stop_boards.set()
            for board in boards.values():
                board.close()
            for thread in board_threads:
                if thread.is_alive():
                    thread.join(timeout=30)
            for client in clients:
                client.join(timeout=10)
                if client.is_alive():
                    client.kill()
                    client.join()
            results.close()

        log(f"{prefix}: the app servers' memory: {memory}")
        # What one run-page fragment costs with every card on it, with nothing else going on.
        idle = []
        board = _same_login(facilitators[session_ids[0]].browser, cluster.url)
        for _ in range(3):
            started = time.monotonic()
            board.request("GET", f"/sessie/{session_ids[0]}/leiden/", None, {"HX-Request": "true"})
            idle.append((time.monotonic() - started) * 1000)
        log(f"{prefix}: one run-page fragment with all cards, idle: {sorted(idle)[1]:.0f} ms")

        stored = cluster.stored_cards(session_ids)
        counts = cluster.request_counts()
        log(f"{prefix}: requests per app server: {cluster.share_summary()}")
        log(f"{prefix}: app servers' time by request: {_time_by_kind(cluster)}")
        nginx_lines = cluster.nginx_access_log.read_text(errors="replace").splitlines()

    run.report("live_idle_cpu_share", idle_share, "share", digits=3)
    run.report("live_idle_open_streams", open_streams, "streams", digits=0)
    for name, megabytes in memory.items():
        run.report(f"{prefix}_{name}_memory_mb", megabytes, "MB", digits=0)
    log(
        f"{prefix}: goal {'met' if idle_share < IDLE_CPU_GOAL else 'MISSED'}: "
        f"{open_streams} idle screens use less than {IDLE_CPU_GOAL:.0%} of a core"
    )
    _report(
        run,
        prefix,
        sessions,
        phones_each,
        session_ids,
        summaries,
        boards,
        revealed_at,
        stored,
        counts,
        nginx_lines,
    )


def _server_groups(cluster) -> dict[str, list[int]]:
    """The process groups of the servers: gunicorn's (master and workers), uvicorn's, nginx's."""
    groups = {"gunicorn": [], "streams": []}
    for server in cluster.servers:
        groups["gunicorn"].append(server.process.pid)
        if server.streams is not None:
            groups["streams"].append(server.streams.process.pid)
    return groups


def _processes_in(groups: list[int]) -> list[str]:
    """/proc/<pid>/stat of every process in these process groups."""
    stats = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) in groups:  # pgrp
            stats.append(stat.read_text())
    return stats


def _cpu_seconds(groups: list[int]) -> float:
    """User and system time so far of every process in these groups."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in _processes_in(groups):
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _memory_mb(cluster) -> dict[str, float]:
    """Resident memory of the app servers: gunicorn's processes, the stream servers'."""
    page = os.sysconf("SC_PAGE_SIZE")
    memory = {}
    for name, groups in _server_groups(cluster).items():
        pages = sum(int(stat.rsplit(")", 1)[1].split()[21]) for stat in _processes_in(groups))
        memory[name] = pages * page / 2**20
    return memory


def _idle(cluster, prefix, clients, results, finish) -> tuple[float, int]:
    """Every phone's stream open, nothing happening: the servers' CPU time (gunicorn, the
    stream servers, nginx) over IDLE_SECONDS, as a share of one core."""
    groups = [pid for pids in _server_groups(cluster).values() for pid in pids]
    groups.append(cluster.nginx_pid)
    time.sleep(5)  # the last cards' messages and the phones' last requests settle
    before, started = _cpu_seconds(groups), time.monotonic()
    time.sleep(IDLE_SECONDS)  # the measurement itself: a window, not a wait for a condition
    share = (_cpu_seconds(groups) - before) / (time.monotonic() - started)
    finish.set()
    open_streams = sum(_receive(results, clients, "idle", 60))
    log(f"{prefix}: idle {IDLE_SECONDS:.0f} s, {open_streams} open streams: {share:.1%} of a core")
    return share, open_streams


ACCESS_LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d+) \S+ (\d+)ms')


def _time_by_kind(cluster) -> str:
    """Where the app servers spent their time (gunicorn's time per request, summed by kind):
    under load this includes waiting for the CPU, so read it as shares, not costs."""
    kinds = (
        ("poll", re.compile(r"GET /sessie/\d+/meedoen/\?")),
        ("page", re.compile(r"GET /sessie/\d+/meedoen/$")),
        ("card", re.compile(r"POST /sessie/\d+/meedoen/kaart/$")),
        ("board", re.compile(r"GET /sessie/\d+/leiden/$")),
        ("join", re.compile(r"\w+ /doe-mee/")),
    )
    total: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for server in cluster.servers:
        for line in server.request_lines():
            if match := ACCESS_LINE.search(line):
                method, path, _status, ms = match.groups()
                request = f"{method} {path}"
                kind = next((name for name, rule in kinds if rule.match(request)), "other")
                total[kind] += int(ms)
                count[kind] += 1
    whole = sum(total.values()) or 1
    return ", ".join(
        f"{kind} {total[kind] / whole:.0%} ({count[kind]} x {total[kind] / count[kind]:.0f} ms)"
        for kind, _ in total.most_common()
    )


def _report(
    run: Run,
    prefix: str,
    sessions: int,
    phones_each: int,
    session_ids: list[int],
    summaries: list[dict],
    boards: dict[int, StreamingBoard],
    revealed_at: dict[int, float],
    stored: dict[str, int],
    counts: dict[str, int],
    nginx_lines: list[str],
) -> None:
    sent = {}
    board_delays, reveal_delays, poll_ms = [], [], []
    responses: Counter[tuple[str, str]] = Counter()
    failures = []
    for phone in summaries:
        session_id = session_ids[phone["number"] // phones_each]
        board = boards[session_id]
        for number, card, client_id, _attempts, sent_at, _stored_at in phone["cards"]:
            sent[client_id] = sent_at
            if sent_at is not None and (number, card) in board.first_seen:
                board_delays.append(board.first_seen[(number, card)] - sent_at)
        if phone["revealed_at"] is not None and session_id in revealed_at:
            reveal_delays.append(phone["revealed_at"] - revealed_at[session_id])
        poll_ms.extend(phone["poll_ms"])
        responses.update({tuple(key): n for key, n in phone["responses"].items()})
        failures.extend(phone["failures"])
    for board in boards.values():
        responses.update(board.responses)
    expected = sessions * phones_each * CARDS_EACH
    board_goal = BOARD_GOAL_MS if sessions == 1 else FULL_BOARD_GOAL_MS
    twice = sum(count > 1 for count in stored.values())
    lost = [client_id for client_id in sent if client_id not in stored]
    errors_5xx = sum(n for (_kind, status), n in responses.items() if status.startswith("5"))
    errors = {key: n for key, n in responses.items() if not key[1].startswith(("2", "3"))}
    retried = sum(", " in line.split("upstream=", 1)[-1] for line in nginx_lines)
    total = sum(counts.values()) or 1

    log(f"{prefix}: responses {dict(sorted(responses.items()))}")
    if errors:
        log(f"{prefix}: errors {errors}")
    events: Counter[str] = Counter()
    for board in boards.values():
        events.update(board.events)
    log(
        f"{prefix}: run pages' streams: {dict(events)}; "
        f"nginx passed {retried} requests on to the other app server"
    )
    run.report(
        f"{prefix}_cards_stored", sum(1 for c in stored.values() if c == 1), "cards", digits=0
    )
    run.report(f"{prefix}_poll_p95_ms", percentile(poll_ms, 0.95), "ms")
    run.report(f"{prefix}_board_delay_p95_ms", percentile(board_delays, 0.95) * 1000, "ms")
    run.report(f"{prefix}_reveal_delay_p95_ms", percentile(reveal_delays, 0.95) * 1000, "ms")
    log(
        f"{prefix}: reveal delay min {min(reveal_delays, default=0) * 1000:.0f} ms, "
        f"p50 {percentile(reveal_delays, 0.5) * 1000:.0f} ms"
    )
    run.report(f"{prefix}_5xx", errors_5xx, "responses", digits=0)
    for name, count in counts.items():
        run.report(f"{prefix}_{name}_share", count / total, "share", digits=2)

    goals = {
        f"all {expected} cards stored once": len(stored) == expected and not twice and not lost,
        "no errors": not errors and not failures,
        f"board delay p95 <= {board_goal} ms": percentile(board_delays, 0.95) * 1000 <= board_goal,
        "every phone saw the reveal": len(reveal_delays) == len(summaries),
    }
    if sessions == 1:
        goals[f"reveal delay p95 <= {REVEAL_GOAL_MS} ms"] = (
            percentile(reveal_delays, 0.95) * 1000 <= REVEAL_GOAL_MS
        )
    for goal, met in goals.items():
        log(f"{prefix}: goal {'met' if met else 'MISSED'}: {goal}")
    if twice or lost or failures:
        raise BenchmarkError(
            f"{len(lost)} cards lost, {twice} stored twice, {len(failures)} phone failures "
            f"(e.g. {failures[:3]})"
        )
