"""Live screens' streams (Server-Sent Events) through Django's ASGI handler, as uvicorn serves
them: a change reaches an open stream the moment it is committed, as the same delta a poll gets;
a stream that reconnects gets what it missed; what a screen may not see never reaches it.

Transactional: a stream builds its messages in worker threads, which see committed rows only.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import secrets
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client
from django.urls import reverse

from pitstops import push
from pitstops.models import Reflection, Session
from pitstops.views import streams
from tests.conftest import build_world

from .live_helpers import control, join, post_card

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 20  # seconds: a bound for a busy machine, not a measure


@pytest.fixture
def world_db(transactional_db):
    return build_world()


@pytest.fixture
def live(world_db):
    """An open session in check-in, its facilitator's client and a joined phone."""
    facilitator = Client()
    facilitator.force_login(world_db.user("facilitator"))
    control(facilitator, world_db.session, "open")
    session = Session.objects.get(pk=world_db.session.pk)
    phone = Client()
    join(phone, session, guest="Kees")
    return session, facilitator, phone


@pytest.fixture
def reflecting(live):
    """The same, in the reflect phase: the phones see a count of the cards until the reveal."""
    session, facilitator, phone = live
    control(facilitator, session, "go_to", phase="reflect")
    session.refresh_from_db()
    return session, facilitator, phone


def run(scenario) -> None:
    """Run an async scenario on an event loop of its own, in a thread of its own (the browser
    tests' Playwright keeps a loop in this one), and close the connections it opened."""

    async def whole() -> None:
        try:
            await scenario()
        finally:
            await sync_to_async(connections.close_all)()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, whole()).result()


class Stream:
    """An open stream's messages, read one at a time: (event, id, data)."""

    def __init__(self, response) -> None:
        assert response.status_code == 200, response
        assert response["Content-Type"] == "text/event-stream"
        self.response = response
        self.chunks = aiter(response.streaming_content)
        self.buffer = ""
        # As a browser reads a compressed stream: each chunk as it comes.
        self.compressed = response.get("Content-Encoding") == "gzip"
        self.decompressor = zlib.decompressobj(wbits=31)
        self.raw = b""  # what came over the wire

    async def next(self) -> tuple[str, str, str]:
        while "\n\n" not in self.buffer:
            chunk = await asyncio.wait_for(anext(self.chunks), WAIT)
            self.raw += chunk
            if self.compressed:
                chunk = self.decompressor.decompress(chunk)
            self.buffer += chunk.decode()
        message, self.buffer = self.buffer.split("\n\n", 1)
        fields: dict[str, list[str]] = {}
        for line in message.split("\n"):
            name, _, value = line.partition(": ")
            fields.setdefault(name, []).append(value)
        return fields["event"][0], fields.get("id", [""])[0], "\n".join(fields.get("data", []))

    async def next_but_heartbeats(self) -> tuple[str, str, str]:
        while (message := await self.next())[0] == "beat":
            pass
        return message

    async def close(self) -> None:
        await self.response.streaming_content.aclose()


async def open_stream(client: AsyncClient, url: str, **headers) -> Stream:
    stream = Stream(await client.get(url, headers=headers))
    event, _id, _data = await stream.next()
    assert event == "ready"
    return stream


def async_client_like(sync_client: Client) -> AsyncClient:
    client = AsyncClient()
    client.cookies = sync_client.cookies
    return client


async def open_phone_stream(phone: Client, session: Session, **headers) -> Stream:
    """A joined phone's stream, as its page of the session's current phase opens it."""
    return await open_stream(
        async_client_like(phone),
        reverse("pitstops:participate_stream", args=[session.pk])
        + f"?state={session.phase}-{session.status}&v={session.version}",
        **headers,
    )


def test_a_card_reaches_the_board_run_page_and_phones_as_a_delta_when_committed(live):
    session, facilitator, phone = live

    async def scenario():
        version = str(session.version)
        board = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_board_stream", args=[session.pk]),
            **{"Last-Event-ID": version},
        )
        run = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_run_stream", args=[session.pk]) + f"?v={version}",
        )
        other_phone = Client()
        await sync_to_async(join)(other_phone, session, guest="Mies")
        phones = await open_stream(
            async_client_like(phone),
            reverse("pitstops:participate_stream", args=[session.pk])
            + f"?state=check_in-open&v={version}",
        )
        # The second phone joined after the streams' version: each brings it (a count).
        for stream in (board, run, phones):
            event, _id, _data = await stream.next_but_heartbeats()
            assert event == "delta"

        await sync_to_async(post_card)(phone, session, "Zin in vandaag")
        card = await Reflection.objects.aget(text="Zin in vandaag")
        for stream in (board, run, phones):
            event, message_id, data = await stream.next_but_heartbeats()
            assert event == "delta"
            assert f'id="card-{card.pk}"' in data
            assert "Zin in vandaag" in data
            assert message_id == str(card.changed_at_version)
            assert f'data-live-version="{message_id}"' in data
        for stream in (board, run, phones):
            await stream.close()

    run(scenario)


def test_a_screen_that_reconnects_gets_what_it_missed(live):
    session, facilitator, phone = live
    before = session.version
    post_card(phone, session, "Gemist tijdens het wegvallen")

    async def scenario():
        board = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_board_stream", args=[session.pk]),
            **{"Last-Event-ID": str(before)},
        )
        event, _id, data = await board.next_but_heartbeats()
        assert event == "delta"
        assert "Gemist tijdens het wegvallen" in data
        await board.close()
        # Without a version (or one too old to bring up to date): the whole live part.
        board = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_board_stream", args=[session.pk]),
        )
        event, _id, data = await board.next_but_heartbeats()
        assert event == "whole"
        assert "Gemist tijdens het wegvallen" in data
        await board.close()

    run(scenario)


def test_a_hidden_card_never_reaches_a_phone_and_a_new_phase_reloads_it(reflecting):
    session, facilitator, phone = reflecting

    async def scenario():
        phones = await open_phone_stream(phone, session)
        run = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_run_stream", args=[session.pk]) + f"?v={session.version}",
        )
        await sync_to_async(post_card)(phone, session, "Nog verborgen woorden")
        event, _id, data = await run.next_but_heartbeats()
        assert "Nog verborgen woorden" in data  # the facilitator sees it come in
        event, _id, data = await phones.next_but_heartbeats()
        assert event == "delta"
        assert "Nog verborgen woorden" not in data  # the phones see a count only
        assert "1 nog niet getoond" in data

        await sync_to_async(control)(facilitator, session, "go_to", phase="share")
        event, _id, _data = await phones.next_but_heartbeats()
        assert event == "reload"  # the page of the new phase says what to do now
        await run.close()

    run(scenario)


@pytest.mark.parametrize(
    ("action", "fields", "shown"),
    [
        ("reveal", {}, ["Het eerste kaartje", "Het tweede kaartje"]),
        ("timer_start", {"minutes": 5}, ["2 nog niet getoond"]),
    ],
    ids=["reveal", "timer"],
)
def test_what_the_facilitator_does_reaches_the_phones_at_once_while_their_cards_wait(
    reflecting, monkeypatch, action, fields, shown
):
    """The room's cards go to the phones at most once per PHONE_PACE, several in a message;
    what the facilitator does goes at once, also in the middle of that wait."""
    monkeypatch.setattr(streams, "PHONE_PACE", 600)  # longer than the test waits for anything
    session, facilitator, phone = reflecting

    async def scenario():
        phones = await open_phone_stream(phone, session)
        await sync_to_async(post_card)(phone, session, "Het eerste kaartje")
        event, _id, data = await phones.next_but_heartbeats()
        assert (event, "1 nog niet getoond" in data) == ("delta", True)
        # The next card waits for the pace; the facilitator's change does not, and brings it.
        await sync_to_async(post_card)(phone, session, "Het tweede kaartje")
        await sync_to_async(control)(facilitator, session, action, **fields)
        event, _id, data = await phones.next_but_heartbeats()
        for text in shown:
            assert text in data
        await phones.close()

    run(scenario)


def test_over_redis_every_server_hears_which_changes_go_to_the_phones_at_once(settings):
    """As between app servers: a card's change wakes the streams, a facilitator's change also
    says "at once" (on a channel of its own, which a server of the previous release leaves)."""
    settings.PUSH_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    session_id = 10**9 + secrets.randbelow(10**9)  # no other run's session: channels are global

    async def scenario():
        with push.hub.watching(session_id) as watch:
            # Subscribed: every stream looks again, at once (what it may have missed).
            await asyncio.wait_for(watch.at_once.wait(), WAIT)
            watch.clear()
            await asyncio.to_thread(push.publish, session_id, (5, "reflect", "open"))
            await asyncio.wait_for(watch.changed.wait(), WAIT)
            assert watch.clear() is False
            await asyncio.to_thread(push.publish, session_id, (6, "reflect", "open"), at_once=True)
            await asyncio.wait_for(watch.at_once.wait(), WAIT)
            assert push.states_here[session_id][1] == (6, "reflect", "open")

    try:
        run(scenario)
    finally:
        push.states_here.pop(session_id, None)


def test_a_stream_is_compressed_for_a_browser_that_accepts_it(reflecting):
    """Each message can be read the moment it comes (the board after a reveal is large), and a
    stream the server ends is a whole gzip file."""
    session, facilitator, phone = reflecting

    async def scenario():
        phones = await open_phone_stream(
            phone, session, **{"Accept-Encoding": "gzip, deflate, br, zstd"}
        )
        assert phones.compressed
        assert "Accept-Encoding" in phones.response["Vary"]
        await sync_to_async(post_card)(phone, session, "Gezegd in de stilte")
        event, _id, data = await phones.next_but_heartbeats()
        assert (event, "1 nog niet getoond" in data) == ("delta", True)
        await sync_to_async(control)(facilitator, session, "reveal")
        event, _id, data = await phones.next_but_heartbeats()
        assert "Gezegd in de stilte" in data
        await sync_to_async(control)(facilitator, session, "go_to", phase="share")
        event, _id, _data = await phones.next_but_heartbeats()
        assert event == "reload"
        with pytest.raises(StopAsyncIteration):
            await phones.next()
        whole = gzip.decompress(phones.raw).decode()  # checks the length and the checksum
        assert whole.startswith("retry: 2000\nevent: ready\n")
        assert whole.endswith("event: reload\ndata: \n\n")
        assert "Gezegd in de stilte" in whole

        await sync_to_async(session.refresh_from_db)()
        plain = await open_phone_stream(phone, session, **{"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.response
        await plain.close()

    run(scenario)


def test_a_facilitator_taken_off_the_session_gets_nothing_more(live):
    """The right to see is asked again with every message, as with every poll."""
    session, facilitator, phone = live

    async def scenario():
        run = await open_stream(
            async_client_like(facilitator),
            reverse("pitstops:session_run_stream", args=[session.pk]) + f"?v={session.version}",
        )
        await sync_to_async(session.facilitators.clear)()
        await sync_to_async(post_card)(phone, session, "Niet meer voor jou")
        event, _id, data = await run.next_but_heartbeats()
        assert (event, data) == ("reload", "")
        with pytest.raises(StopAsyncIteration):
            await run.next()

    run(scenario)


def test_others_get_no_stream():
    """Outsiders get the page's 404 and a phone that did not join gets nothing; both through
    ASGI, before anything streams."""
    world = build_world()
    url = reverse("pitstops:session_board_stream", args=[world.session.pk])

    async def scenario():
        stranger = AsyncClient()
        await stranger.aforce_login(world.user("stranger"))
        assert (await stranger.get(url)).status_code == 404
        anonymous = await AsyncClient().get(url)
        assert anonymous.status_code == 302
        phone_url = reverse("pitstops:participate_stream", args=[world.session.pk])
        assert (await AsyncClient().get(phone_url)).status_code == 204

    run(scenario)


def test_the_stream_is_204_where_no_asgi_server_serves_it(live, client):
    """`runserver` and gunicorn's sync workers: the screen is told to poll instead."""
    session, facilitator, _phone = live
    response = facilitator.get(reverse("pitstops:session_board_stream", args=[session.pk]))
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("channel", "data", "parsed"),
    [
        (b"pitstop:live:12", b"7 reflect open", (12, (7, "reflect", "open"), False)),
        ("pitstop:at-once:12", "7", (12, None, True)),
        ("pitstop:at-once:x", "7", None),
        ("pitstop:live:12", "7 reflect open now", None),
        ("pitstop:live:12", "7 reflect", None),
        ("pitstop:live:x", "7 reflect open", None),
        ("pitstop:live:3", "seven reflect open", None),
    ],
)
def test_a_pushed_message_is_read_or_ignored(channel, data, parsed):
    assert push.parse(channel, data) == parsed


def test_a_message_line_break_never_ends_the_message():
    from pitstops.views.live import Push

    encoded = Push("delta", "een\r\ntwee\rdrie\n\nvier", 5).encode().decode()
    assert encoded == (
        "event: delta\nid: 5\ndata: een\ndata: twee\ndata: drie\ndata: \ndata: vier\n\n"
    )
    assert re.findall(r"\n\n", encoded) == ["\n\n"]
