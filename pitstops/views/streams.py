"""Live screens without polling: one long-lived connection per screen (Server-Sent Events).

A stream sends what a poll would have got (a delta, or the whole live part), the moment a change
is committed (pitstops/push.py wakes it), and nothing otherwise but a heartbeat now and then, so
that no proxy closes it. A screen whose stream cannot stay open polls as before
(static/js/session.js); so does every screen of a server that serves them without ASGI
(`manage.py runserver`, gunicorn's sync workers), which answers 204 here: "no stream, poll".

Served by an ASGI server (uvicorn, beside gunicorn: deploy/serve, deploy/systemd/): an idle stream
is a coroutine waiting on an event, which costs no thread and no Python work. Who may see what is
decided exactly as for a poll, by the same functions, in a thread (the ORM is synchronous).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, override
from django.views.decorators.http import require_safe

from ..push import hub
from . import running, taking_part
from .live import Push, participant_key, push_from_response

# A screen that lost its stream tries again after this long (the browser's EventSource does).
RETRY_MS = 2000
# While another server renders the whole fragment for everyone, look again after this long.
WAIT_SECONDS = 0.05
# After a message a stream sends no delta for this long: the changes meanwhile go in one message.
# A room of 200 phones writes some 100 cards a second; without this every phone's stream would
# carry 100 messages a second. The facilitator's screens show cards coming in, the phones
# mostly counts until the reveal: once a second, as often as they polled (at 0.5 s, twenty rooms'
# phones took the CPU from the cards: board delay p95 1.8-4.0 s instead of 0.5-0.8 s).
FACILITATOR_PACE = 0.1
PHONE_PACE = 1.0
# And at least this many times as long as the message took to build: on a busy server (twenty
# rooms writing at once) building takes longer, and the streams give the CPU back to the cards.
BACKOFF = 4
HEARTBEAT = Push("beat")

# Compressed: after a reveal every phone gets the whole board (1,000 cards: 680 kB, 18 kB
# compressed), over a venue's Wi-Fi. Each message is compressed once for all streams
# (Push.deflated), so a stream costs no compression of its own; only its checksum (fast).
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as Django's GZipMiddleware reads Accept-Encoding
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time
GZIP_LAST_BLOCK = zlib.compressobj(wbits=-zlib.MAX_WBITS).flush()  # an empty final block

Answer = Callable[[int | None], Awaitable[Push | None]]


def _in_thread[**P, R](function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run ORM work in a worker thread, then hand its connection back as a request's end
    would (CONN_MAX_AGE decides whether it stays open)."""

    def work(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(work, thread_sensitive=False)


def no_stream() -> HttpResponse:
    """No stream here: the browser's EventSource stops trying at a 204, and the page polls."""
    return HttpResponse(status=204, content_type="text/event-stream")


def _shown(request: HttpRequest) -> int | None:
    """The version the screen shows: what it said last time (Last-Event-ID), else ?v=."""
    for value in (request.headers.get("Last-Event-ID", ""), request.GET.get("v", "")):
        if value.isascii() and value.isdigit() and len(value) <= 10:
            return int(value)
    return None


def _stream(
    request: HttpRequest, session_id: int, answer: Answer, pace: float, eager_wholes: bool = False
) -> HttpResponse:
    if not isinstance(request, ASGIRequest):
        return no_stream()  # served without ASGI: the screen polls
    messages = _events(session_id, _shown(request), answer, pace, eager_wholes)
    compressed = bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    response = StreamingHttpResponse(
        _gzipped(messages) if compressed else _encoded(messages),
        content_type="text/event-stream",
    )
    if compressed:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx passes each message on at once
    return response


async def _encoded(messages: AsyncIterator[Push]) -> AsyncIterator[bytes]:
    async for message in messages:
        yield message.encoded


async def _gzipped(messages: AsyncIterator[Push]) -> AsyncIterator[bytes]:
    """The messages as one gzip stream, each readable the moment it arrives."""
    yield GZIP_HEADER
    checksum, size = 0, 0
    async for message in messages:
        checksum = zlib.crc32(message.encoded, checksum)
        size += len(message.encoded)
        yield message.deflated
    # The server ended the stream: a whole gzip file, so the browser sees a clean end.
    yield GZIP_LAST_BLOCK + struct.pack("<II", checksum, size & 0xFFFFFFFF)


async def _events(
    session_id: int, shown: int | None, answer: Answer, pace: float, eager_wholes: bool
) -> AsyncIterator[Push]:
    """The stream's messages. After each, the next waits `pace` (or longer on a busy server).
    With `eager_wholes` (the phones) only a delta of the room's cards waits: a whole fragment, or
    what the facilitator did (Session.touch(at_once=True)), goes at once, and a delta that
    waited goes as it is unless more came meanwhile. The facilitator's screens just wait after
    each message: a delta of theirs costs a rendering per screen, not one per room, and must
    not be made twice."""
    heartbeat = settings.LIVE_STREAM_HEARTBEAT_SECONDS
    # The first message says the stream works, and how often to expect a heartbeat.
    yield Push("ready", str(heartbeat), retry_ms=RETRY_MS)
    next_delta_at = 0.0  # a delta waits until then; the changes meanwhile go with it
    at_once = False  # whether what is new goes at once (kept while another server renders)
    with hub.watching(session_id) as watch:
        while True:
            at_once = watch.clear() or at_once  # a change from here on wakes the waits below
            started = time.monotonic()
            push = await answer(shown)
            took = time.monotonic() - started
            if push is not None and push.event == "wait":
                await asyncio.sleep(WAIT_SECONDS)
                continue
            if (
                eager_wholes
                and not at_once
                and push is not None
                and push.event == "delta"
                and started < next_delta_at
            ):
                # Unless the facilitator does something meanwhile (a reveal: everyone looks up).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.at_once.wait(), next_delta_at - started)
                if watch.changed.is_set():
                    continue  # more came meanwhile: one message for all of it
            if push is not None:
                yield push
                if push.event == "reload":
                    return
                shown = push.version or shown
                gap = max(pace, BACKOFF * took)
                if eager_wholes:
                    next_delta_at = time.monotonic() + gap
                else:
                    await asyncio.sleep(gap)
            at_once = False
            try:
                await asyncio.wait_for(watch.changed.wait(), timeout=heartbeat)
            except TimeoutError:
                yield HEARTBEAT
            if hub.closing:
                return


# The views are plain (synchronous) views: they check who asks, as the pages do, and return a
# response whose messages an async generator makes on the server's event loop.


@require_safe
def session_run_stream(request: HttpRequest, pk: int) -> HttpResponse:
    return _facilitator_stream(request, pk, "run")


@require_safe
def session_board_stream(request: HttpRequest, pk: int) -> HttpResponse:
    return _facilitator_stream(request, pk, "board")


def _facilitator_stream(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    running.get_session_to_run(request, pk)  # the page's rule: others get a 404 first

    @_in_thread
    def answer(shown: int | None) -> Push | None:
        try:
            return push_from_response(running.live_answer(request, pk, kind, shown))
        except Http404:  # no longer theirs to run (or gone): the page says so
            return Push("reload")

    return _stream(request, pk, answer, FACILITATOR_PACE)


# Per session and language: the version this process's shared phone message last brought the
# phones to. The next one is a delta from there, which every phone at that version or later can
# take (a delta applied twice changes nothing): one message for the room, not one per version.
_phones_at: dict[tuple[int, str], int] = {}


@login_not_required
@require_safe
def participate_stream(request: HttpRequest, pk: int) -> HttpResponse:
    """A phone's stream. What it sends is the same for every phone (outside the phases with a
    phone's own marks), so it is built once per change and language for the whole room."""
    if participant_key(request, pk) is None:
        return no_stream()  # not joined: the page's poll says what to do
    page_state = request.GET.get("state")
    language = get_language()
    room = (pk, language)

    @_in_thread
    def since(version: int | None) -> tuple[str, int, Push | None]:
        with override(language):
            return taking_part.pushed_to_phones(pk, version)

    @_in_thread
    def own(shown: int | None) -> Push | None:
        return push_from_response(taking_part.poll(request, pk, shown, page_state))

    async def for_the_room(base: int) -> tuple[str, int, Push | None]:
        state, version, push = await since(_phones_at.get(room, base))
        _phones_at[room] = version
        return state, version, push

    async def answer(shown: int | None) -> Push | None:
        if shown is None:  # a screen that asks for the whole
            state, version, push = await hub.shared(("phone", room, None), lambda: since(None))
        else:
            state, version, push = await hub.shared(("room", room), lambda: for_the_room(shown))
            behind = push is None or (push.event == "delta" and shown < push.since)
            if shown < version and behind:
                # Behind the room (it just came, came back, or slept through the room's last
                # message): a message from its own version.
                state, version, push = await hub.shared(
                    ("phone", room, shown), lambda: since(shown)
                )
        if page_state is not None and state != page_state:
            return Push("reload")  # a new phase: the page shows what to do now
        if shown is not None and shown >= version:
            return None
        if push is not None and push.event == "own":
            return await own(shown)
        return push

    return _stream(request, pk, answer, PHONE_PACE, eager_wholes=True)
