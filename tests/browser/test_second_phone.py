"""Two phones, one name: the second phone asks, the facilitator lets it in, and it sees none of
the first phone's anonymous cards."""

from __future__ import annotations

from playwright.sync_api import expect

from coalitions.demo import upcoming_session

from .conftest import DESKTOP, PHONE, log_in
from .test_live_session import FOLLOW, LIVE, next_phase, phone_joins

SECRET = "Alleen deze telefoon weet dit"


def test_a_second_phone_is_let_in_by_the_facilitator_and_sees_no_anonymous_cards(
    new_context, page, live_server, demo
):
    session = upcoming_session()
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")
    page.goto(f"{live_server.url}/sessie/{session.pk}/leiden/")
    page.get_by_role("button", name="Sessie openen").click()
    code = page.locator(".code").first.inner_text()

    first = phone_joins(new_context, live_server, code, name="Ans Verhoef")
    next_phase(page, "Reflecteren per thema")
    expect(first.get_by_role("heading", name="Schrijf een kaartje")).to_be_visible(timeout=FOLLOW)
    first.get_by_label("Je kaartje").fill(SECRET)
    first.get_by_label("Zonder mijn naam").check()
    first.get_by_role("button", name="Versturen").click()
    mine = first.get_by_role("region", name="Mijn kaartjes")
    expect(mine).to_contain_text(SECRET)

    # Someone else in the room taps the same name on another phone.
    second = new_context(PHONE).new_page()
    second.goto(f"{live_server.url}/doe-mee/")
    second.get_by_label("Code").fill(code)
    second.get_by_role("button", name="Doe mee").click()
    second.get_by_role("button", name="Ans Verhoef").click()
    expect(second.get_by_role("heading", name="Deze naam is al in gebruik")).to_be_visible()
    second.get_by_role("button", name="Vraag de begeleider om deze telefoon toe te laten").click()
    expect(second.get_by_role("heading", name="Wachten op de begeleider")).to_be_visible()

    # The facilitator sees the question on the laptop and lets the phone in.
    waiting = page.get_by_role("region", name="Wacht om mee te doen")
    expect(waiting).to_contain_text("Ans Verhoef", timeout=LIVE)
    waiting.get_by_role("button", name="Toelaten als Ans Verhoef").click()
    expect(page.get_by_text("De telefoon van Ans Verhoef is toegelaten.")).to_be_visible()

    # The second phone goes on by itself, and shows nothing of the first phone's cards.
    expect(second.get_by_text("je doet mee als")).to_be_visible(timeout=FOLLOW)
    expect(second.get_by_role("heading", name="Schrijf een kaartje")).to_be_visible()
    expect(second.get_by_text(SECRET)).to_have_count(0)
    expect(second.get_by_role("region", name="Mijn kaartjes")).to_have_count(0)
    # No sideways scrolling at 360 px.
    assert second.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(first.get_by_role("region", name="Mijn kaartjes")).to_contain_text(SECRET)
