"""Scale-out: nginx with the project's own configuration (deploy/nginx/) in front of two app
servers (gunicorn, deploy/gunicorn.conf.py) that share one PostgreSQL database and one Redis.

Through the proxy: phones join by code and post cards while the facilitator's run page polls;
requests reach both servers; the join-code limit counts across them; a server that lost its
database answers 503 and nginx sends the phone's card on to the other; when one app server is
stopped mid-session (SIGTERM, as a deploy does) the phones lose nothing; every card is stored
once and shows on the facilitator's board within moments. nginx's own pages (too large, no app
server) and the host's site file are checked too.

Marked `scaleout`: `make test` leaves it out, `.ci/run` runs it as a step of its own
(`pytest -m scaleout`). It needs nginx, PostgreSQL and Redis on this machine; without them it
skips, and in CI it fails.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.conf import settings

from tests.benchmarks.cluster import NGINX, NGINX_FILES, REPO_ROOT, missing_services
from tests.benchmarks.cluster import running_cluster as start_cluster
from tests.benchmarks.live import Browser, open_demo_session
from tests.benchmarks.phones import Board, Phone, StreamingBoard, percentile
from tests.conftest import in_ci

pytestmark = pytest.mark.scaleout

PHONES = 16
CARDS_EACH = 4
WRITE_EVERY = 2.0  # seconds between a phone's cards
JOIN_LIMIT = 10  # JOIN_ATTEMPTS_PER_TEN_MINUTES for this cluster
BOARD_DELAY_GOAL = 3.0  # seconds from a card's POST to the facilitator's board (reported)
BOARD_DELAY_BOUND = 15.0  # beyond this the test fails: something is wrong, not just slow


def nginx_body_limit() -> int:
    """client_max_body_size in pitstop-locations.conf, in bytes."""
    text = (NGINX_FILES / "pitstop-locations.conf").read_text()
    megabytes = re.search(r"^client_max_body_size (\d+)m;", text, re.M)
    return int(megabytes.group(1)) * 1024 * 1024


def requirement_missing(message: str) -> None:
    """Skip on a developer's machine; in CI a missing service is a failure."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def cluster(request):
    missing = missing_services()
    if missing:
        requirement_missing("The scale-out test cannot run: " + "; ".join(missing))
    failed_before = request.session.testsfailed
    with start_cluster(
        setup=[["seed_demo", "--in-production"]],
        environment={"JOIN_ATTEMPTS_PER_TEN_MINUTES": str(JOIN_LIMIT)},
        database_proxies=True,
    ) as running:
        yield running
        if request.session.testsfailed > failed_before:  # the servers' side of the story
            print(f"scaleout: the servers' logs\n{running.logs()}")


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(every)


def passed_on(cluster) -> list[str]:
    """nginx's log lines of requests it sent on to another app server after the first failed."""
    return [
        line
        for line in cluster.nginx_access_log.read_text().splitlines()
        if ", " in line.split("upstream=", 1)[-1]
    ]


def fetch(
    url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def test_the_site_file_for_a_host_passes_nginx_checks(tmp_path):
    """deploy/nginx/pitstop.conf as a host installs it, with this machine's paths, ports and a
    throwaway certificate in place of the host's: nginx accepts it."""
    if not NGINX.exists():
        requirement_missing(f"nginx is not installed at {NGINX} (Debian: apt-get install nginx)")
    openssl = shutil.which("openssl")
    if openssl is None:
        requirement_missing("openssl is needed for a throwaway certificate")
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=pitstop.example.org"]
    keys = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    subprocess.run([openssl, *request, *subject, *keys], check=True, capture_output=True)
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    site = (NGINX_FILES / "pitstop.conf").read_text()
    site = site.replace("/srv/pitstop", str(REPO_ROOT))
    site = site.replace("/etc/letsencrypt/live/pitstop.example.org", str(tmp_path))
    site = re.sub(r"listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{ports[0]};")
    site = site.replace("listen 443 ", f"listen 127.0.0.1:{ports[1]} ")
    (tmp_path / "pitstop.conf").write_text(site)
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path / 'pitstop.conf'}; }}\n"
    )
    files = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run(
        [str(NGINX), "-t", "-q", *files, "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_nginx_answers_what_it_answers_itself(cluster):
    # A little above what Django reads.
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert django_limit < nginx_body_limit() <= django_limit + 4 * 1024 * 1024
    # Too large: nginx's page, in Dutch and English, not a reset connection.
    status, headers, body = fetch(
        cluster.url,
        "POST",
        "/doe-mee/",
        b"x" * (nginx_body_limit() + 1),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    page = body.decode()
    assert status == 413
    assert headers["Content-Type"].startswith("text/html")
    assert "Dit is te groot om te versturen" in page and "This is too large to send" in page
    # Uploads are never files on the web: nothing under /media/ reaches an app server.
    assert fetch(cluster.url, "GET", "/media/foto.jpg")[0] == 404
    assert not any("/media/" in line for s in cluster.servers for line in s.request_lines())
    # The error pages themselves are not addresses anyone can open.
    assert fetch(cluster.url, "GET", "/pitstop-errors/413.html")[0] == 404
    # Pages are compressed on the way out.
    status, headers, _body = fetch(
        cluster.url, "GET", "/doe-mee/", None, {"Accept-Encoding": "gzip"}
    )
    assert status == 200 and headers.get("Content-Encoding") == "gzip"


def test_a_session_spread_over_two_servers_loses_nothing_when_one_stops(cluster):
    facilitator, session_id, code = open_demo_session(cluster.url)
    # Host (with its port) and scheme reach Django as the phone sent them: the QR code's link
    # points at nginx, not at an app server.
    _status, _headers, run_page = facilitator.request("GET", f"/sessie/{session_id}/leiden/")
    assert f"{cluster.url}/doe-mee/?code={code}" in run_page

    phones = [Phone(cluster.url, number) for number in range(PHONES)]
    for phone in phones:
        phone.join(code)

    # The join-code limit is one count in Redis, whoever answers: wrong codes alternate between
    # the servers, and the next try after JOIN_LIMIT wrong ones is refused (with a count per
    # server, each would have seen only half of them).
    posts = '"POST /doe-mee/ '
    before = cluster.request_counts(posts)
    guesser = Browser(cluster.url)
    token = guesser.form_token("/doe-mee/")
    wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
    statuses = [
        guesser.request("POST", "/doe-mee/", {"csrfmiddlewaretoken": token, "code": wrong})[0]
        for _ in range(JOIN_LIMIT + 1)
    ]
    # gunicorn writes its access log just after it answers.
    guessed = lambda: {n: c - before[n] for n, c in cluster.request_counts(posts).items()}  # noqa: E731
    wait_until(lambda: sum(guessed().values()) == JOIN_LIMIT + 1, 10, "the access logs")
    guesses = guessed()
    print(f"scaleout: {JOIN_LIMIT + 1} wrong codes answered per server: {guesses}")
    assert statuses == [200] * JOIN_LIMIT + [429]
    assert all(count > 0 for count in guesses.values()), guesses

    # One app server loses its database: it answers 503. nginx sends a phone's card that got
    # that answer on to the other server (`non_idempotent` in the card's location; other POSTs
    # are never sent twice), so the phone gets its 200 at once. nginx leaves a failed server
    # alone for 10 s, then tries it again: a phone writing a card every half second soon has a
    # card that takes that way.
    writer = phones[0]
    cluster.servers[1].database.cut()
    try:

        def a_card_went_on() -> bool:
            writer.write(len(writer.cards))
            return any(
                "/meedoen/kaart/" in line and "status=503, 200" in line
                for line in passed_on(cluster)
            )

        wait_until(a_card_went_on, 60, "a card sent on after a 503", every=0.5)
    finally:
        cluster.servers[1].database.restore()
    assert writer.queue == [] and writer.failures == []
    assert ("card", "503") not in writer.responses
    print(f"scaleout: without its database, app2 passed on a card after {len(writer.cards)}")
    # Its database is back; so is the server in nginx's turns, 10 s after it last failed.
    app2 = cluster.servers[1]
    answered = len(app2.request_lines())
    wait_until(
        lambda: (
            fetch(cluster.url, "GET", "/gezond/")[0] == 200 and len(app2.request_lines()) > answered
        ),
        30,
        "nginx to send requests to app2 again",
        every=0.5,
    )

    # The session: every phone polls and writes its cards; the facilitator's page polls, and
    # two projector boards get their streams through nginx (one from each stream server).
    session_started = time.monotonic()
    stop_board = threading.Event()
    board = Board(facilitator, session_id)
    deadline = time.monotonic() + 120
    projectors = [
        StreamingBoard(cluster.url, facilitator.cookies, f"/sessie/{session_id}/bord/stroom/")
        for _ in range(2)
    ]
    threads = [threading.Thread(target=board.watch, args=(stop_board, deadline))]
    for projector in projectors:
        streaming = threading.Thread(target=projector.watch, args=(stop_board, deadline))
        streaming.start()
        assert projector.connected.wait(30), "a projector's stream said it is ready"
        threads.append(streaming)
    streaming_threads = len(projectors)
    threads += [
        threading.Thread(
            target=phone.take_part,
            kwargs={
                "cards": CARDS_EACH,
                "write_every": WRITE_EVERY,
                "deadline": deadline,
                "start_after": (phone.number % 8) * WRITE_EVERY / 8,
            },
        )
        for phone in phones
    ]
    for thread in threads:
        if not thread.is_alive():  # the projectors' streams started above
            thread.start()
    try:
        # A quarter of the way in, one app server is told to stop (as a deploy does), while the
        # phones keep writing and polling through nginx.
        total = PHONES * CARDS_EACH
        stored = lambda: sum(  # noqa: E731
            c.stored_at is not None and c.sent_at >= session_started
            for p in phones
            for c in p.cards
        )
        wait_until(lambda: stored() >= total // 4, 60, "a quarter of the cards")
        victim = cluster.servers[1]
        answered_before_the_stop = len(victim.request_lines())
        passed_on_before_the_stop = len(passed_on(cluster))
        victim.terminate()
        stopped_at = time.monotonic()
        assert victim.wait_stopped() == 0, "gunicorn stopped cleanly"
        print(
            f"scaleout: {victim.name} stopped {time.monotonic() - stopped_at:.1f} s after SIGTERM"
        )
        for thread in threads[1 + streaming_threads :]:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        session_cards = [card for phone in phones for card in phone.cards[-CARDS_EACH:]]
        for screen, name in [(board, "the facilitator's board")] + [
            (projector, "a projector's stream") for projector in projectors
        ]:
            wait_until(
                lambda screen=screen: all(card.key in screen.first_seen for card in session_cards),
                30,
                f"every card on {name}",
            )
    finally:
        stop_board.set()
        for projector in projectors:
            projector.close()
        for thread in threads:
            thread.join(timeout=30)

    cards = [card for phone in phones for card in phone.cards]

    # Every card the phones wrote is stored exactly once, and none is left in a queue.
    assert [failure for phone in phones for failure in phone.failures] == []
    assert not any(phone.queue for phone in phones)
    assert len(session_cards) == total
    assert cluster.stored_cards([session_id]) == {card.client_id: 1 for card in cards}
    after_the_stop = [card for card in session_cards if card.sent_at > stopped_at]
    assert after_the_stop, "phones kept writing after the server stopped"

    # No phone saw an error it could not get past: reads went to the other server; a card that
    # failed (if any) was sent again and stored once, as above.
    responses: Counter[tuple[str, str]] = Counter()
    for phone in phones:
        responses.update(phone.responses)
    responses.update(board.responses)
    trouble = {key: n for key, n in responses.items() if not key[1].startswith(("2", "3"))}
    print(f"scaleout: responses {dict(sorted(responses.items()))}")
    assert {kind for kind, _status in trouble} <= {"card"}, trouble
    retried = sum(card.attempts > 1 for card in cards)  # a 502 would have been sent again
    print(f"scaleout: {len(after_the_stop)} cards written after the stop, {retried} sent again")

    # Both servers answered in the session, until one stopped; then nginx sent what it gave the
    # stopped one on to the other.
    went_on = [line.split('"')[1] for line in passed_on(cluster)[passed_on_before_the_stop:]]
    print(f"scaleout: after the stop nginx sent {len(went_on)} requests on: {went_on}")
    assert went_on
    counts = cluster.request_counts()
    print(f"scaleout: requests per app server: {cluster.share_summary()}")
    assert answered_before_the_stop > answered
    assert all(count > 0 for count in counts.values()), counts

    # Each card on the facilitator's board within moments of its POST.
    delays = [board.first_seen[card.key] - card.sent_at for card in session_cards]
    late = sum(delay > BOARD_DELAY_GOAL for delay in delays)
    print(
        f"scaleout: board delay p50 {percentile(delays, 0.5):.2f} s, "
        f"p95 {percentile(delays, 0.95):.2f} s, max {max(delays):.2f} s; "
        f"{late} of {len(delays)} cards later than {BOARD_DELAY_GOAL:.0f} s"
    )
    assert max(delays) <= BOARD_DELAY_BOUND

    # The projectors' streams: both stream servers served one; the one on the stopped server
    # came back through the other and missed nothing (every card above), without a poll.
    for projector in projectors:
        stream_delays = [projector.first_seen[card.key] - card.sent_at for card in session_cards]
        print(
            f"scaleout: a projector's stream: {dict(projector.responses)}, "
            f"events {dict(projector.events)}, delay p95 {percentile(stream_delays, 0.95):.2f} s"
        )
        assert max(stream_delays) <= BOARD_DELAY_BOUND
    served = {server.name: len(server.streams.stream_lines()) for server in cluster.servers}
    print(f"scaleout: streams per stream server: {served}")
    assert all(count > 0 for count in served.values()), served
    assert sum(projector.responses[("stream", "200")] for projector in projectors) >= 3

    # With no app server left, nginx says so itself, kindly, in both languages.
    cluster.servers[0].terminate()
    assert cluster.servers[0].wait_stopped() == 0
    status, headers, body = fetch(cluster.url, "GET", f"/sessie/{session_id}/leiden/")
    assert status == 502
    assert headers["Content-Type"].startswith("text/html")
    assert "Even geduld" in body.decode() and "One moment" in body.decode()
