"""A live session under load: 60 phones join by code, each posts 5 cards while polling.

Two phases on one server. First the realistic one: every participant polls every second as the
page does (HX-Request, and X-Live-Version: the version its page shows; it gets a 304, a delta or
the whole fragment) while posting a card every 2 s, and sends its first card twice,
as a phone does after a dropped connection; all 300 cards must be stored exactly once. Then the
capacity of polling: the same 60 participants poll without pause while nothing changes, beside
the trivial view measured on the same server.
"""

from __future__ import annotations

import functools
import http.client
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from .server import (
    HEALTH_PATH,
    BenchmarkError,
    Request,
    check_error_rate,
    load,
    log,
    running_server,
)

if TYPE_CHECKING:
    from .__main__ import Run

PARTICIPANTS = 60
CARDS_EACH = 5
POLL_EVERY = 1.0  # hx-trigger="every 1s" on the participant's page
WRITE_EVERY = 2.0
IDLE_POLLS = 5
LIVE_VERSION = "X-Live-Version"


class Browser:
    """One phone or laptop: a keep-alive connection with its own cookies."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], str]:
        body = urlencode(data) if data is not None else None
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection; a browser opens a new one.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), text

    def form_token(self, path: str) -> str:
        _status, _headers, text = self.request("GET", path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)

    def log_in_as_facilitator(self) -> None:
        """The demo's facilitator (seed_demo): the account every benchmark runs sessions with."""
        token = self.form_token("/inloggen/")
        self.request(
            "POST",
            "/inloggen/",
            {"csrfmiddlewaretoken": token, "username": "begeleider", "password": "pitstop-demo"},
        )

    def post(self, path: str, data: dict, **headers: str) -> tuple[int, dict[str, str], str]:
        token = self.cookies.get("csrftoken") or self.form_token("/doe-mee/")
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **data}, headers)


def open_demo_session(base_url: str) -> tuple[Browser, int, str]:
    """Log in as the demo facilitator, open the prepared session, read its join code."""
    facilitator = Browser(base_url)
    facilitator.log_in_as_facilitator()
    _status, _headers, page = facilitator.request("GET", "/expeditie/expeditie-2026/")
    session_ids = re.findall(r"/sessie/(\d+)/leiden/", page)
    if not session_ids:
        raise BenchmarkError("the demo has no session to open")
    session_id = int(session_ids[-1])
    facilitator.post(f"/sessie/{session_id}/bediening/", {"action": "open"})
    _status, _headers, page = facilitator.request("GET", f"/sessie/{session_id}/leiden/")
    code = re.search(r'class="code">([A-Z0-9]+)<', page).group(1)
    return facilitator, session_id, code


@dataclass
class Phone:
    number: int
    browser: Browser
    session_id: int
    version: str = ""  # what session.js reads from the page's data-live-version
    poll_ms: list[float] = field(default_factory=list)
    poll_statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def poll_path(self) -> str:
        return f"/sessie/{self.session_id}/meedoen/?state=check_in-open"

    def join(self, code: str) -> None:
        self.browser.form_token("/doe-mee/")
        _status, _headers, page = self.browser.post("/doe-mee/", {"code": code})
        proof = re.search(r'name="proof" value="([^"]+)"', page).group(1)
        status, _headers, _text = self.browser.post(
            "/doe-mee/wie-ben-je/", {"proof": proof, "guest_name": f"Deelnemer {self.number}"}
        )
        if status != 302:
            raise BenchmarkError(f"participant {self.number} could not join: HTTP {status}")

    def poll(self) -> None:
        headers = {"HX-Request": "true"}
        if self.version:
            headers[LIVE_VERSION] = self.version
        started = time.perf_counter()
        status, _headers, text = self.browser.request("GET", self.poll_path, headers=headers)
        self.poll_ms.append((time.perf_counter() - started) * 1000)
        self.poll_statuses.append(status)
        if status == 200:
            # A delta or the whole fragment: both say which version the page now shows.
            if match := re.search(r'data-live-version="(\d+)"', text):
                self.version = match.group(1)
        elif status != 304:
            self.errors.append(f"poll HTTP {status}")

    def post_card(self, number: int, client_id: str) -> None:
        status, _headers, _text = self.browser.post(
            f"/sessie/{self.session_id}/meedoen/kaart/",
            {
                "text": f"Kaartje {number} van deelnemer {self.number}",
                "kind": "observation",
                "visibility": "coalition",
                "client_id": client_id,
            },
            Accept="application/json",
        )
        if status != 200:
            self.errors.append(f"card HTTP {status}")

    def take_part(self, start: threading.Barrier) -> None:
        """Post 5 cards, one every 2 s, polling every second; send the first card twice,
        like a retry."""
        start.wait()
        time.sleep((self.number % 20) * POLL_EVERY / 20)  # phones do not poll in lockstep
        first = str(uuid.uuid4())
        for number in range(CARDS_EACH):
            client_id = first if number == 0 else str(uuid.uuid4())
            self.post_card(number, client_id)
            if number == 0:
                self.post_card(number, first)
            self.poll()
            for _ in range(round(WRITE_EVERY / POLL_EVERY)):
                time.sleep(POLL_EVERY)
                self.poll()


def stored_cards(facilitator: Browser, session_id: int) -> tuple[int, int]:
    """(cards on the facilitator's board, distinct card texts): both must be 300."""
    _status, _headers, page = facilitator.request("GET", f"/sessie/{session_id}/leiden/")
    texts = re.findall(r"Kaartje \d+ van deelnemer \d+", page)
    return len(texts), len(set(texts))


def poll_request(phones: tuple[tuple[str, str, str], ...], number: int) -> Request:
    """The n-th capacity poll: a participant's cookie and the version its page shows, as the
    browser sends them."""
    path, cookie, version = phones[number % len(phones)]
    return Request(
        path=path, headers={"Cookie": cookie, "HX-Request": "true", LIVE_VERSION: version}
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def live_session(run: Run) -> None:
    with running_server(setup=[["seed_demo", "--in-production"]]) as base_url:
        facilitator, session_id, code = open_demo_session(base_url)
        phones = [Phone(number, Browser(base_url), session_id) for number in range(PARTICIPANTS)]
        for phone in phones:
            phone.join(code)
        start = threading.Barrier(PARTICIPANTS)
        threads = [threading.Thread(target=phone.take_part, args=(start,)) for phone in phones]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        log(f"live session: {PARTICIPANTS} phones took part in {time.monotonic() - began:.1f} s")
        errors = [error for phone in phones for error in phone.errors]
        if errors:
            raise BenchmarkError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
        on_board, distinct = stored_cards(facilitator, session_id)
        if on_board != distinct:
            raise BenchmarkError(f"{on_board - distinct} cards were stored twice")
        run.report("live_cards_stored", on_board, "cards", digits=0)
        poll_times = [ms for phone in phones for ms in phone.poll_ms]
        run.report("live_poll_p95_ms", percentile(poll_times, 0.95), "ms")

        # Idle: nothing changes; every phone polls a few times as its page does. Each should be
        # a 304 (after the first, which brings the phone up to date).
        for phone in phones:
            phone.poll()
            phone.poll_statuses.clear()
        for _ in range(IDLE_POLLS):
            for phone in phones:
                phone.poll()
        idle = [status for phone in phones for status in phone.poll_statuses]
        run.report("live_idle_304_share", idle.count(304) / len(idle), "share", digits=2)

        # Capacity: everybody polls without pause while nothing changes (mostly 304s).
        polls = tuple(
            (
                phone.poll_path,
                "; ".join(f"{k}={v}" for k, v in phone.browser.cookies.items()),
                phone.version,
            )
            for phone in phones
        )
        options = {"warmup": run.scale.warmup, "duration": run.scale.duration}
        trivial = load(base_url + HEALTH_PATH, **options)
        check_error_rate(trivial)
        polling = load(base_url, functools.partial(poll_request, polls), **options)
        check_error_rate(polling)
    log(f"live trivial view: {trivial.summary()}")
    log(f"live polling: {polling.summary()}")
    run.report("live_poll_rps", polling.rps, "req/s")
    run.report("live_trivial_view_rps", trivial.rps, "req/s")
    run.report("live_poll_vs_trivial_ratio", polling.rps / trivial.rps, "ratio", digits=2)
