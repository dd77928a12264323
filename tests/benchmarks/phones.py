"""Phones and a facilitator's laptop in a live session, as the pages behave in a browser.

A `Phone` does what static/js/session.js and the page's htmx do: it joins by code as a guest,
polls its page as often as the page says (`hx-trigger="every …s"`; HX-Request, and X-Live-Version:
the version its page shows), and keeps
each card it writes in a queue, with the card's own client id, until the server says it is
stored; after a failure it sends the card again 5 s later. A stored card goes into the page
without a reload. A `Board` is the facilitator's
run page (`/sessie/<n>/leiden/`) polling as often as that page says, noting when each card first
shows on it.

Every time is `time.monotonic()`, the same clock in every process on Linux, so a card's POST in
one process and its first sight on the board in another can be compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import math
import re
import socket
import threading
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .live import Browser

# Each page says how often it polls (hx-trigger="every 2s" on the element with id "live"); the
# phones and the run page poll as their pages say. This is for a page that says nothing.
POLL_EVERY = 2.0
POLL_EVERY_PATTERN = re.compile(r'id="live"[^>]*?hx-trigger="every (\d+(?:\.\d+)?)s"', re.S)
RETRY_EVERY = 5.0  # session.js: setInterval(flush, 5000)
# The text of every card names its phone and number, so a page can be searched for it.
CARD_PATTERN = re.compile(r"Kaartje (\d+) van telefoon (\d{4})\b")
LIVE_VERSION = "X-Live-Version"  # session.js sends the page's data-live-version with each poll
LIVE_VERSION_PATTERN = re.compile(r'data-live-version="(\d+)"')
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def card_text(phone: int, number: int) -> str:
    return f"Kaartje {number} van telefoon {phone:04d}"


def live_version(html: str) -> str:
    """The version a fragment (whole or delta) brings the page to; "" when it says none."""
    match = LIVE_VERSION_PATTERN.search(html)
    return match.group(1) if match else ""


def poll_every(page: str) -> float:
    """Seconds between two polls of a whole page, as its htmx trigger says."""
    match = POLL_EVERY_PATTERN.search(page)
    return float(match.group(1)) if match else POLL_EVERY


def card_keys(html: str) -> set[tuple[int, int]]:
    """(phone, card) of every card on a page."""
    return {(int(phone), int(card)) for card, phone in CARD_PATTERN.findall(html)}


class JoinError(RuntimeError):
    """A phone could not join the session."""


@dataclass
class Card:
    """A card as session.js keeps it: its text and client id, and what became of it."""

    phone: int
    number: int
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    sent_at: float | None = None  # the attempt the server stored
    stored_at: float | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.phone, self.number)

    @property
    def text(self) -> str:
        return card_text(self.phone, self.number)


class Phone:
    """One participant's phone: one keep-alive connection, its own cookies."""

    def __init__(self, base_url: str, number: int) -> None:
        self.browser = Browser(base_url)
        self.number = number
        self.session_id = 0
        self.state = ""  # ?state=<phase>-<status> of the page's poll
        self.theme = ""
        self.form_token = ""
        self.version = ""  # data-live-version of what the page shows, as session.js reads it
        self.poll_every = POLL_EVERY  # what the page's hx-trigger says, read with the page
        self.cards: list[Card] = []
        self.queue: list[Card] = []
        self.next_retry = 0.0
        self.responses: Counter[tuple[str, str]] = Counter()  # (kind, status) -> count
        self.poll_ms: list[float] = []
        self.failures: list[str] = []  # what a person would have noticed: refused, lost
        self.revealed_at: float | None = None
        # With its page's stream open (PhoneStreams) the phone does not poll, as in a browser.
        self.streaming = False
        self.stream_id = ""  # the id of the stream's last message
        self.must_reload = False

    # --- requests --------------------------------------------------------------------------

    def _send(
        self,
        kind: str,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict[str, str], str] | None:
        """One request; None when the connection failed (counted, and a new one next time)."""
        try:
            status, response_headers, body = self.browser.request(method, path, data, headers)
        except TRANSPORT_ERRORS as error:
            self.browser.connection.close()
            self.responses[(kind, type(error).__name__)] += 1
            return None
        self.responses[(kind, str(status))] += 1
        return status, response_headers, body

    def join(self, code: str) -> None:
        """The join page, the code, a guest name, then the session's page."""
        token = self.browser.form_token("/doe-mee/")
        _status, _headers, page = self.browser.request(
            "POST", "/doe-mee/", {"csrfmiddlewaretoken": token, "code": code}
        )
        proof = re.search(r'name="proof" value="([^"]+)"', page)
        if proof is None:
            raise JoinError(f"phone {self.number}: the code {code} was not accepted")
        status, headers, _text = self.browser.request(
            "POST",
            "/doe-mee/wie-ben-je/",
            {
                "csrfmiddlewaretoken": token,
                "proof": proof.group(1),
                "guest_name": f"Telefoon {self.number}",
            },
        )
        match = re.search(r"/sessie/(\d+)/meedoen/", headers.get("Location", ""))
        if status != 302 or match is None:
            raise JoinError(f"phone {self.number} could not join: HTTP {status}")
        self.session_id = int(match.group(1))
        self.reload()

    def reload(self) -> None:
        """The whole page, as after joining, after a card, or when the phase changes."""
        answer = self._send("page", "GET", f"/sessie/{self.session_id}/meedoen/")
        if answer is None or answer[0] != 200:
            return  # the next poll tries again
        page = answer[2]
        self.version = live_version(page) or self.version
        self.poll_every = poll_every(page)
        if state := re.search(r"meedoen/\?state=([a-z_]+-[a-z]+)", page):
            self.state = state.group(1)
        if token := re.search(
            r'id="card-form".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S
        ):
            self.form_token = token.group(1)
        select = re.search(r'<select name="theme".*?</select>', page, re.S)
        chosen = select and re.search(r'<option value="(\d+)" selected', select.group(0))
        self.theme = chosen.group(1) if chosen else ""

    def poll(self) -> str | None:
        """The page's poll; the fragment when it changed, else None."""
        headers = {"HX-Request": "true"}
        if self.version:
            headers[LIVE_VERSION] = self.version
        started = time.monotonic()
        answer = self._send(
            "poll", "GET", f"/sessie/{self.session_id}/meedoen/?state={self.state}", None, headers
        )
        finished = time.monotonic()
        if answer is None:
            return None
        status, response_headers, body = answer
        self.poll_ms.append((finished - started) * 1000)
        if status == 204 and response_headers.get("HX-Refresh"):
            self.reload()  # a new phase: htmx reloads the page
            return None
        if status != 200:
            return None
        self.version = live_version(body) or self.version  # a delta or the whole fragment
        if self.revealed_at is None and self.cards and all(c.text in body for c in self.cards):
            self.revealed_at = finished
        return body

    def received(self, event: str, message_id: str, data: str, at: float) -> None:
        """A message on the page's stream, taken in as session.js does (on the stream's loop)."""
        if event == "ready":
            self.streaming = True
        elif event == "reload":
            self.must_reload = True  # the phone's own thread reloads the page
        elif event in ("delta", "whole"):
            self.stream_id = message_id or self.stream_id
            self.version = live_version(data) or self.version
            if self.revealed_at is None and self.cards and all(c.text in data for c in self.cards):
                self.revealed_at = at

    def write(self, number: int) -> Card:
        """Write a card: into the queue, and off at once."""
        card = Card(self.number, number)
        self.cards.append(card)
        self.queue.append(card)
        self.flush()
        return card

    def flush(self) -> None:
        """Send the queued cards, first to last, until one fails (it waits for the next try)."""
        while self.queue:
            card = self.queue[0]
            card.attempts += 1
            sent_at = time.monotonic()
            answer = self._send(
                "card",
                "POST",
                f"/sessie/{self.session_id}/meedoen/kaart/",
                {
                    "csrfmiddlewaretoken": self.form_token,
                    "text": card.text,
                    "kind": "observation",
                    "visibility": "coalition",
                    "theme": self.theme,
                    "client_id": card.client_id,
                },
                {"Accept": "application/json", "X-CSRFToken": self.form_token},
            )
            try:
                data = json.loads(answer[2]) if answer is not None else None
            except ValueError:
                data = None  # an HTML error page: session.js's fetch fails to read it, and waits
            if not isinstance(data, dict):
                self.next_retry = time.monotonic() + RETRY_EVERY
                return
            if data.get("ok"):
                card.sent_at, card.stored_at = sent_at, time.monotonic()
                self.queue.pop(0)  # session.js puts the card under "My cards": no reload
                continue
            if data.get("retry"):  # the server is away for a moment (503): the card stays
                self.next_retry = time.monotonic() + RETRY_EVERY
                return
            self.queue.pop(0)  # refused for good, or not joined: the writer sees the error
            self.failures.append(f"card {card.key} refused: HTTP {answer[0]} {data}")

    # --- a whole session -------------------------------------------------------------------

    def take_part(
        self,
        cards: int,
        *,
        write_every: float,
        deadline: float,
        start_after: float = 0.0,
        until_revealed: bool = False,
        stop: threading.Event | None = None,
    ) -> None:
        """Poll as the page says and write `cards` cards, one every `write_every` s, sending
        again what failed; done when every card is stored (and, with `until_revealed`, a poll
        showed them all to the group), at `deadline`, or when `stop` is set."""
        stop = stop or threading.Event()
        written = len(self.cards) + cards  # the cards written by the end
        now = time.monotonic()
        next_poll = now + start_after
        next_write = next_poll + write_every / 2
        while (now := time.monotonic()) < deadline and not stop.is_set():
            if len(self.cards) < written and now >= next_write:
                self.write(len(self.cards))
                next_write = now + write_every
            elif self.queue and now >= self.next_retry:
                self.flush()
            if self.must_reload:
                self.must_reload = False
                self.reload()
            if now >= next_poll:
                if not self.streaming:  # session.js leaves the poll out while streaming
                    self.poll()
                next_poll = max(next_poll + self.poll_every, time.monotonic())
            if (
                len(self.cards) == written
                and not self.queue
                and (self.revealed_at is not None or not until_revealed)
            ):
                return
            wake = [next_poll]
            if len(self.cards) < written:
                wake.append(next_write)
            if self.queue:
                wake.append(self.next_retry)
            stop.wait(max(0.0, min(wake) - time.monotonic()))
        if self.queue:
            self.failures.append(f"{len(self.queue)} cards still queued at the end")
        if until_revealed and self.revealed_at is None:
            self.failures.append("the revealed cards never showed")

    def summary(self) -> dict:
        """What the phone measured, as plain data (it crosses process boundaries)."""
        return {
            "number": self.number,
            "cards": [
                (c.phone, c.number, c.client_id, c.attempts, c.sent_at, c.stored_at)
                for c in self.cards
            ],
            "responses": dict(self.responses),
            "poll_ms": list(self.poll_ms),
            "failures": list(self.failures),
            "revealed_at": self.revealed_at,
        }


class Board:
    """The facilitator's run page, polled as htmx does; notes when each card first shows."""

    def __init__(self, browser: Browser, session_id: int, every: float = POLL_EVERY) -> None:
        self.browser = browser
        self.session_id = session_id
        self.every = every  # seconds between polls: what the run page's hx-trigger says
        self.version = ""
        self.first_seen: dict[tuple[int, int], float] = {}
        self.responses: Counter[tuple[str, str]] = Counter()
        self.poll_ms: list[float] = []
        self.fragment_bytes = 0
        self.answers: list[tuple[str, int]] = []  # ("whole" | "delta" | "304", bytes) per poll

    def poll(self) -> None:
        headers = {"HX-Request": "true"}
        if self.version:
            headers[LIVE_VERSION] = self.version
        started = time.monotonic()
        try:
            status, response_headers, body = self.browser.request(
                "GET", f"/sessie/{self.session_id}/leiden/", None, headers
            )
        except TRANSPORT_ERRORS as error:
            self.browser.connection.close()
            self.responses[("board", type(error).__name__)] += 1
            return
        finished = time.monotonic()
        self.responses[("board", str(status))] += 1
        self.poll_ms.append((finished - started) * 1000)
        if status != 200:
            self.answers.append((str(status), 0))
            return
        self.version = live_version(body) or self.version
        self.fragment_bytes = len(body.encode())
        delta = response_headers.get("X-Live-Delta") == "true"
        self.answers.append(("delta" if delta else "whole", self.fragment_bytes))
        for key in card_keys(body):
            self.first_seen.setdefault(key, finished)

    def watch(self, stop: threading.Event, until: float) -> None:
        """Poll every `every` s until `stop` is set or `until` has passed."""
        next_poll = time.monotonic()
        while not stop.is_set() and time.monotonic() < until:
            self.poll()
            next_poll = max(next_poll + self.every, time.monotonic())
            stop.wait(max(0.0, next_poll - time.monotonic()))


def percentile(values: list[float], share: float) -> float:
    """Nearest rank; 0.0 without values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


class StreamingBoard:
    """A live screen's stream (Server-Sent Events), read as the browser's EventSource reads it:
    each message as it comes, the id of the last one sent back (Last-Event-ID) when it connects
    again, `RETRY` s after the connection ended. Notes when each card first shows, like `Board`.
    """

    RETRY = 2.0  # pitstops/views/streams.py: retry: 2000
    TIMEOUT = 40.0  # more than two heartbeats (15 s) without a byte: the stream is gone

    def __init__(self, base_url: str, cookies: dict[str, str], path: str) -> None:
        parts = urlsplit(base_url)
        self.address = (parts.hostname, parts.port)
        self.cookies = dict(cookies)
        self.path = path
        self.last_id = ""
        self.first_seen: dict[tuple[int, int], float] = {}
        self.responses: Counter[tuple[str, str]] = Counter()
        self.events: Counter[str] = Counter()
        self.connected = threading.Event()  # set once a stream said "ready"
        self._connection: http.client.HTTPConnection | None = None

    def watch(self, stop: threading.Event, until: float) -> None:
        while not stop.is_set() and time.monotonic() < until:
            try:
                self._read(stop)
            except TRANSPORT_ERRORS as error:
                if not stop.is_set():  # not the reader's own `close`
                    self.responses[("stream", type(error).__name__)] += 1
            stop.wait(self.RETRY)

    def close(self) -> None:
        """End the stream now (from another thread): the reader sees its connection go."""
        connection = self._connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    def _read(self, stop: threading.Event) -> None:
        connection = http.client.HTTPConnection(*self.address, timeout=self.TIMEOUT)
        self._connection = connection
        headers = {
            "Accept": "text/event-stream",
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if self.last_id:
            headers["Last-Event-ID"] = self.last_id
        try:
            connection.request("GET", self.path, headers=headers)
            response = connection.getresponse()
            self.responses[("stream", str(response.status))] += 1
            if response.status != 200:
                response.read()
                return
            reader = EventStreamReader(response.getheader("Content-Encoding", ""))
            while not stop.is_set():
                chunk = response.read1(65536)  # de-chunked, as the browser reads it
                if not chunk:
                    return  # the server ended it
                for event, message_id, data in reader.feed(chunk):
                    self.last_id = message_id or self.last_id
                    self._received(event, data)
        finally:
            connection.close()

    def _received(self, event: str, data: str) -> None:
        seen = time.monotonic()
        self.events[event] += 1
        if event == "ready":
            self.connected.set()
        for key in card_keys(data):
            self.first_seen.setdefault(key, seen)


class PhoneStreams:
    """The phones of one client process keep their page's stream open, as session.js does with
    EventSource: all of them on one event loop in a thread of their own (a thread per stream
    would make every phone wait for the others). Each message goes to its phone
    (`Phone.received`); a stream that ends or fails is opened again `RETRY` s later, with the
    id of its last message. Cards are still written by each phone's own thread."""

    RETRY = 2.0

    def __init__(self, base_url: str, phones: list[Phone]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.phones = phones
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks: list[asyncio.Future] = []

    def start(self) -> None:
        self.thread.start()
        self.tasks = [
            asyncio.run_coroutine_threadsafe(self._keep_open(phone), self.loop)
            for phone in self.phones
        ]

    def open_streams(self) -> int:
        return sum(phone.streaming for phone in self.phones)

    def stop(self) -> None:
        """Close every stream, then the loop."""

        async def close_all() -> None:
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _keep_open(self, phone: Phone) -> None:
        while True:
            try:
                await self._read(phone)
            except (OSError, ValueError, asyncio.IncompleteReadError) as error:
                phone.responses[("stream", type(error).__name__)] += 1
            phone.streaming = False
            await asyncio.sleep(self.RETRY)

    async def _read(self, phone: Phone) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            path = f"/sessie/{phone.session_id}/meedoen/stroom/?state={phone.state}"
            if phone.version:
                path += f"&v={phone.version}"
            lines = [
                f"GET {path} HTTP/1.1",
                f"Host: {self.host}:{self.port}",
                "Accept: text/event-stream",
                "Accept-Encoding: gzip",
                "Cookie: " + "; ".join(f"{k}={v}" for k, v in phone.browser.cookies.items()),
            ]
            if phone.stream_id:
                lines.append(f"Last-Event-ID: {phone.stream_id}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            chunked, encoding = False, ""
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.lower() == "transfer-encoding":
                    chunked = value.strip().lower() == "chunked"
                elif name.lower() == "content-encoding":
                    encoding = value.strip()
            phone.responses[("stream", str(status))] += 1
            if status != 200 or not chunked:
                return
            messages = EventStreamReader(encoding)
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return  # the server ended the stream
                chunk = await reader.readexactly(size)
                await reader.readexactly(2)  # the CRLF after a chunk
                arrived = time.monotonic()  # before reading it: a browser reads in C
                for message in messages.feed(chunk):
                    phone.received(*message, arrived)
        finally:
            writer.close()


class EventStreamReader:
    """A stream's bytes in, as they come (gzip-compressed or not); whole messages out. A large
    message comes in many chunks: kept in one growing buffer, and only the new part is
    searched for the end of a message."""

    def __init__(self, content_encoding: str) -> None:
        gzipped = content_encoding.lower() == "gzip"
        self.decompressor = zlib.decompressobj(wbits=31) if gzipped else None
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[str, str, str]]:
        if self.decompressor is not None:
            chunk = self.decompressor.decompress(chunk)
        searched = max(0, len(self.buffer) - 1)
        self.buffer += chunk
        messages = []
        while (end := self.buffer.find(b"\n\n", searched)) >= 0:
            messages.append(parse_message(bytes(self.buffer[:end]).decode()))
            del self.buffer[: end + 2]
            searched = 0
        return messages


def parse_message(message: str) -> tuple[str, str, str]:
    """(event, id, data) of one Server-Sent Events message, whose data lines come last (as
    pitstops/views/live.py writes them): those are joined in one go, not line by line."""
    head, found, data = message.partition("data: ")
    event, message_id = "", ""
    for line in head.split("\n"):
        name, _, value = line.partition(": ")
        if name == "event":
            event = value
        elif name == "id":
            message_id = value
    return event, message_id, data.replace("\ndata: ", "\n") if found else ""
