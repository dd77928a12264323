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
from collections.abc import AsyncIterator, Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import get_language, override

from ..push import hub
from . import running, taking_part
from .live import Push, participant_key, push_from_response

# A screen that lost its stream tries again after this long (the browser's EventSource does).
RETRY_MS = 2000
# While another server renders the whole fragment for everyone, look again after this long.
WAIT_SECONDS = 0.2
HEARTBEAT = b"event: beat\ndata: \n\n"

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


def _shown(request: HttpRequest) -> int | None:
    """The version the screen shows: what it said last time (Last-Event-ID), else ?v=."""
    for value in (request.headers.get("Last-Event-ID", ""), request.GET.get("v", "")):
        if value.isascii() and value.isdigit() and len(value) <= 10:
            return int(value)
    return None


def _stream(request: HttpRequest, session_id: int, answer: Answer) -> HttpResponse:
    if not isinstance(request, ASGIRequest):
        return HttpResponse(status=204)  # served without ASGI: the screen polls
    response = StreamingHttpResponse(
        _events(session_id, _shown(request), answer), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx passes each message on at once
    return response


async def _events(session_id: int, shown: int | None, answer: Answer) -> AsyncIterator[bytes]:
    heartbeat = settings.LIVE_STREAM_HEARTBEAT_SECONDS
    # The first message says the stream works, and how often to expect a heartbeat.
    yield f"retry: {RETRY_MS}\n".encode() + Push("ready", str(heartbeat)).encode()
    with hub.watching(session_id) as changed:
        while True:
            changed.clear()  # a change from here on wakes the wait below
            push = await answer(shown)
            if push is not None and push.event == "wait":
                await asyncio.sleep(WAIT_SECONDS)
                continue
            if push is not None:
                yield push.encode()
                if push.event == "reload":
                    return
                shown = push.version or shown
            try:
                await asyncio.wait_for(changed.wait(), timeout=heartbeat)
            except TimeoutError:
                yield HEARTBEAT
            if hub.closing:
                return


async def session_run_stream(request: HttpRequest, pk: int) -> HttpResponse:
    return await _facilitator_stream(request, pk, "run")


async def session_board_stream(request: HttpRequest, pk: int) -> HttpResponse:
    return await _facilitator_stream(request, pk, "board")


async def _facilitator_stream(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    # The same rule as the page's: others get a 404 before anything streams. (In the request's
    # own thread, as the page's check: under a test it sees the test's rows.)
    await sync_to_async(running.get_session_to_run)(request, pk)

    @_in_thread
    def answer(shown: int | None) -> Push | None:
        return push_from_response(running.live_answer(request, pk, kind, shown))

    return _stream(request, pk, answer)


@login_not_required
async def participate_stream(request: HttpRequest, pk: int) -> HttpResponse:
    """A phone's stream. What it sends is the same for every phone at a version (outside the
    phases with a phone's own marks), so it is built once per version and language."""
    if participant_key(request, pk) is None:
        return HttpResponse(status=204)  # not joined: the page's poll says what to do
    page_state = request.GET.get("state")
    language = get_language()

    @_in_thread
    def shared(shown: int | None) -> tuple[str, Push | None]:
        with override(language):
            return taking_part.pushed_to_phones(pk, shown)

    @_in_thread
    def own(shown: int | None) -> Push | None:
        return push_from_response(taking_part.poll(request, pk, shown, page_state))

    async def answer(shown: int | None) -> Push | None:
        state, push = await hub.shared(("phones", pk, shown, language), lambda: shared(shown))
        if page_state is not None and state != page_state:
            return Push("reload")  # a new phase: the page shows what to do now
        if push is not None and push.event == "own":
            return await own(shown)
        return push

    return _stream(request, pk, answer)
