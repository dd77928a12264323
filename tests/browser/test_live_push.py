"""Push: a card posted on a phone reaches the projector board over the board's stream, without
any poll; with the stream blocked (a proxy that will not keep it open), the same flow works by
polling, and nobody is told anything. Served by uvicorn, as deploy/streams serves the streams."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coalitions.demo import upcoming_session
from pitstops.models import Reflection

from .conftest import DESKTOP, log_in
from .test_live_session import LIVE, phone_joins


@pytest.fixture(autouse=True)
def streams_on(settings):
    settings.LIVE_STREAMS = True  # as in production (the tests' own settings leave them out)


def open_board(new_context, page, server, *, block_stream: bool = False):
    """The facilitator opens the demo's planned session; a projector shows its board. Returns
    (board, code, the board's polls: the addresses of its GET requests for the live part, the
    Content-Encoding of each stream the board opened)."""
    session = upcoming_session()
    page.set_viewport_size(DESKTOP)
    log_in(page, server, "begeleider")
    page.goto(f"{server.url}/sessie/{session.pk}/leiden/")
    page.get_by_role("button", name="Sessie openen").click()
    code = page.locator(".code").first.inner_text()
    board = new_context(DESKTOP).new_page()
    # The projector logs in too (its own browser).
    log_in(board, server, "begeleider")
    if block_stream:
        board.route(re.compile(r"/stroom/"), lambda route: route.abort())
    polls: list[str] = []
    live_part = re.compile(rf"/sessie/{session.pk}/bord/$")
    board.on("request", lambda request: live_part.search(request.url) and polls.append(request.url))
    encodings: list[str] = []
    board.on(
        "response",
        lambda response: (
            "/stroom/" in response.url
            and encodings.append(response.headers.get("content-encoding", ""))
        ),
    )
    board.goto(f"{server.url}/sessie/{session.pk}/bord/")
    expect(board.locator(".qr svg")).to_be_visible()
    return board, code, polls, encodings


def test_a_card_reaches_the_board_over_its_stream_without_a_poll(
    new_context, page, asgi_server, demo
):
    board, code, polls, encodings = open_board(new_context, page, asgi_server)
    phone = phone_joins(new_context, asgi_server, code, guest="Kees")
    expect(board.locator(".live-counts")).to_contain_text("1 deelnemer", timeout=LIVE)
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=LIVE)

    polls_before = len(polls)
    phone.get_by_label("Je kaartje").fill("Fijn dat het licht aan is")
    phone.get_by_role("button", name="Versturen").click()
    card = board.locator("#live").get_by_text("Fijn dat het licht aan is")
    expect(card).to_be_visible(timeout=LIVE)
    assert polls[polls_before:] == []  # the board asked nothing: the card was pushed
    assert encodings[:1] == ["gzip"]  # the browser read the stream compressed
    assert Reflection.objects.filter(text="Fijn dat het licht aan is").count() == 1
    # The phone's own page took its group's card in the same way.
    expect(phone.locator("#group-cards")).to_contain_text("Fijn dat het licht aan is")


def test_with_the_stream_blocked_the_board_polls_and_the_card_still_comes(
    new_context, page, asgi_server, demo
):
    board, code, polls, _encodings = open_board(new_context, page, asgi_server, block_stream=True)
    phone = phone_joins(new_context, asgi_server, code, guest="Mies")
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=LIVE)
    phone.get_by_label("Je kaartje").fill("Toch gewoon binnen")
    phone.get_by_role("button", name="Versturen").click()
    expect(board.locator("#live").get_by_text("Toch gewoon binnen")).to_be_visible(timeout=LIVE)
    assert len(polls) > 0  # it came by polling
    # Nobody is told anything: the board looks as it does with its stream.
    expect(board.get_by_role("alert")).to_have_count(0)
