"""Updates without reloads: a phone's card shows under "My cards" on the same page, and the
facilitator's run page and the board take it in as a delta, not as a whole new fragment."""

from __future__ import annotations

from playwright.sync_api import expect

from coalitions.demo import upcoming_session
from pitstops.models import Reflection

from .conftest import DESKTOP, log_in
from .test_live_session import LIVE, phone_joins


def test_a_card_comes_and_goes_without_a_reload_or_a_whole_fragment(
    new_context, page, live_server, demo
):
    session = upcoming_session()
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")
    page.goto(f"{live_server.url}/sessie/{session.pk}/leiden/")
    page.get_by_role("button", name="Sessie openen").click()
    code = page.locator(".code").first.inner_text()
    board = page.context.new_page()
    board.goto(f"{live_server.url}/sessie/{session.pk}/bord/")
    expect(board.locator(".qr svg")).to_be_visible()

    phone = phone_joins(new_context, live_server, code, guest="Kees")
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=LIVE)
    expect(phone.get_by_role("region", name="Mijn kaartjes")).to_have_count(0)
    # Gone with a reload of the phone's page; on the screens, gone with a whole new fragment.
    phone.evaluate("window.stillTheSamePage = true")
    screens = (page, board)
    for screen in screens:
        screen.locator("#cards-check-in").evaluate("list => { list.dataset.probe = 'kept'; }")

    phone.get_by_label("Je kaartje").fill("Fijn om hier te zijn")
    phone.get_by_role("button", name="Versturen").click()
    mine = phone.get_by_role("region", name="Mijn kaartjes")
    expect(mine).to_contain_text("Fijn om hier te zijn", timeout=LIVE)
    expect(phone.locator("[role=status] > #queue-status")).to_have_text("Je kaartje is bewaard.")
    assert phone.evaluate("window.stillTheSamePage") is True
    expect(mine.get_by_text("Veranderen of intrekken")).to_be_visible()

    card = Reflection.objects.get(text="Fijn om hier te zijn")
    for screen in screens:
        expect(screen.locator(f"#card-{card.pk}")).to_contain_text(
            "Fijn om hier te zijn", timeout=LIVE
        )
        expect(screen.locator("#cards-check-in[data-probe=kept]")).to_have_count(1)
    expect(board.get_by_role("heading", name="Hoe gaat het met je?")).to_be_visible()
    expect(page.locator(".live-counts")).to_contain_text("1 kaartje")

    # The same delta twice (a screen that fell back a version) leaves one copy of the card.
    card.refresh_from_db()
    page.locator("#live-header").evaluate(
        "(header, version) => { header.dataset.liveVersion = String(version); }",
        card.changed_at_version - 1,
    )
    session.refresh_from_db()
    expect(page.locator("#live-header")).to_have_attribute(
        "data-live-version", str(session.version), timeout=LIVE
    )
    expect(page.locator(f"#card-{card.pk}")).to_have_count(1)
    expect(page.locator("#cards-check-in[data-probe=kept]")).to_have_count(1)

    # Withdrawn on the phone (a plain form: that page reloads), gone from both screens.
    mine.get_by_text("Veranderen of intrekken").click()
    mine.get_by_role("button", name="Intrekken").click()
    expect(phone.get_by_text("Je kaartje is ingetrokken.")).to_be_visible()
    for screen in screens:
        expect(screen.locator(f"#card-{card.pk}")).to_have_count(0, timeout=LIVE)
        expect(screen.locator("#cards-check-in[data-probe=kept]")).to_have_count(1)
    expect(board.get_by_role("heading", name="Hoe gaat het met je?")).to_have_count(0)
