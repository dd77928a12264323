"""Push: every app server hears of every committed change to a live session at once.

`publish` runs when a change is committed (Session.touch): it sends the session's new
(version, phase, status) over Redis pub/sub (PUSH_REDIS_URL), or, without Redis (development,
tests), straight to this process's open streams; and whether the phones should see it at once
(what the facilitator does) or may get it with the room's next cards. Each serving process
keeps one subscription (`Hub`), however many screens it streams to, and wakes only the streams
of that session. What a woken stream sends is built elsewhere (pitstops/views/streams.py): a
message here says only that something changed, never what.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "pitstop:live:"
# After a change the phones should see at once, a second message says so: on a channel of its
# own, so that a server of the previous release reads the first as it always did.
AT_ONCE_PREFIX = "pitstop:at-once:"
# After a lost subscription, wait this long before subscribing again.
RECONNECT_SECONDS = 1.0


def publish(session_id: int, state: tuple[int, str, str], *, at_once: bool = False) -> None:
    """Tell every server's streams that a session changed (call once it is committed).

    A Redis that is away loses the message, not the change: the screens' streams then heal
    when the subscription comes back (every stream looks again), and polling screens never
    depended on it."""
    url = settings.PUSH_REDIS_URL
    if not url:
        hub.notify_threadsafe(session_id, state, at_once)
        return
    try:
        client = _client(url)
        client.publish(f"{CHANNEL_PREFIX}{session_id}", " ".join(map(str, state)))
        if at_once:
            client.publish(f"{AT_ONCE_PREFIX}{session_id}", str(state[0]))
    except (redis.RedisError, OSError) as error:
        logger.warning("push: could not publish session %s: %s", session_id, error)


# What this process knows of each live session: session id -> (when it heard it, (version,
# phase, status)), from its own changes, the shared cache, and pushed messages; only ever
# replaced whole (Session.live_state reads it).
states_here: dict[int, tuple[float, tuple[int, str, str]]] = {}


def keep_here(session_id: int, state: tuple[int, str, str]) -> None:
    """Keep the state in this process, never going back to an older version."""
    kept = states_here.get(session_id)
    if kept is None or kept[1][0] <= state[0]:
        states_here[session_id] = (time.monotonic(), tuple(state))


_clients: dict[str, redis.Redis] = {}


def _client(url: str) -> redis.Redis:
    """One client per process: its connection pool serves every thread."""
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def parse(
    channel: str | bytes, data: str | bytes
) -> tuple[int, tuple[int, str, str] | None, bool] | None:
    """(session id, state, at once) from a pub/sub message; None for anything else. A change's
    message carries its state; the one after it on AT_ONCE_PREFIX only says "at once"."""
    if isinstance(channel, bytes):
        channel = channel.decode(errors="replace")
    if isinstance(data, bytes):
        data = data.decode(errors="replace")
    if channel.startswith(AT_ONCE_PREFIX):
        session_id = channel.removeprefix(AT_ONCE_PREFIX)
        return (int(session_id), None, True) if session_id.isdigit() else None
    parts = data.split(" ")
    session_id = channel.removeprefix(CHANNEL_PREFIX)
    if len(parts) != 3 or not session_id.isdigit() or not parts[0].isdigit():
        return None
    return int(session_id), (int(parts[0]), parts[1], parts[2]), False


@dataclass(eq=False)
class Watch:
    """What one stream waits on: `changed` is set by every change of its session, `at_once`
    only by one the phones should see at once."""

    changed: asyncio.Event = field(default_factory=asyncio.Event)
    at_once: asyncio.Event = field(default_factory=asyncio.Event)

    def set(self, *, at_once: bool) -> None:
        self.changed.set()
        if at_once:
            self.at_once.set()

    def clear(self) -> bool:
        """Look again from here; whether a change to pass on at once came meanwhile."""
        at_once = self.at_once.is_set()
        self.changed.clear()
        self.at_once.clear()
        return at_once


class Hub:
    """This process's streams, by session, and the one subscription that wakes them.

    Lives on the serving event loop. A stream waits on its own `Watch`; a message for its
    session sets it. Work shared by the streams of a session (`shared`) runs once per key."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task | None = None
        self._waiting: dict[int, set[Watch]] = defaultdict(set)
        self._in_flight: dict[Any, asyncio.Future] = {}
        self._lock = threading.Lock()

    def _attach(self) -> None:
        """Bind to the running loop (a new one after a restart, in tests) and subscribe."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            with self._lock:
                self.closing = False
                self._loop = loop
                self._waiting = defaultdict(set)
                self._in_flight = {}
                self._listener = None
        if self._listener is None and settings.PUSH_REDIS_URL:
            self._listener = loop.create_task(self._listen(settings.PUSH_REDIS_URL))

    @contextlib.contextmanager
    def watching(self, session_id: int) -> Iterator[Watch]:
        """Set whenever the session changes, for as long as the stream is open."""
        self._attach()
        watch = Watch()
        self._waiting[session_id].add(watch)
        try:
            yield watch
        finally:
            streams = self._waiting.get(session_id)
            if streams is not None:
                streams.discard(watch)
                if not streams:
                    del self._waiting[session_id]

    def open_streams(self) -> int:
        return sum(len(streams) for streams in self._waiting.values())

    def notify(
        self, session_id: int, state: tuple[int, str, str] | None = None, at_once: bool = False
    ) -> None:
        if state is not None:
            # This process's polls and streams read the new state without asking the cache.
            keep_here(session_id, state)
        for watch in self._waiting.get(session_id, ()):
            watch.set(at_once=at_once)

    def notify_all(self) -> None:
        """Every stream looks again, at once (what it missed, or the server is stopping)."""
        for watch in [watch for watches in self._waiting.values() for watch in watches]:
            watch.set(at_once=True)

    closing = False

    def close_streams(self) -> None:
        """End every open stream (the screens reconnect): for a server about to stop."""
        self.closing = True
        self.notify_all()

    def notify_threadsafe(
        self, session_id: int, state: tuple[int, str, str], at_once: bool = False
    ) -> None:
        """From a request's thread (no Redis: one process serves pages and streams)."""
        self.call_threadsafe(self.notify, session_id, state, at_once)

    def call_threadsafe(self, function: Callable[..., None], *args: Any) -> None:
        """Run `function` on the hub's loop, from any thread; nothing when it has none."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(function, *args)

    async def shared(self, key: Any, work: Callable[[], Awaitable[Any]]) -> Any:
        """`work()`'s result, computed once for all streams that ask with the same key while it
        runs: a room of phones at one version costs one rendering, not sixty."""
        future = self._in_flight.get(key)
        if future is None:
            future = asyncio.ensure_future(work())
            self._in_flight[key] = future
            future.add_done_callback(lambda _done: self._in_flight.pop(key, None))
        return await asyncio.shield(future)

    async def _listen(self, url: str) -> None:
        while True:
            client = redis.asyncio.Redis.from_url(url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{CHANNEL_PREFIX}*", f"{AT_ONCE_PREFIX}*")
                    # Whatever happened while (re)subscribing: every stream looks again.
                    self.notify_all()
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        if (parsed := parse(message["channel"], message["data"])) is not None:
                            self.notify(*parsed)
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                logger.warning("push: subscription lost (%s); subscribing again", error)
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


hub = Hub()
