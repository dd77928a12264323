"""A whole session in real browsers: the facilitator's laptop, the projector and two phones."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from coalitions.demo import upcoming_session
from pitstops.models import Reflection

from .conftest import DESKTOP, PHONE, log_in

# Upper bounds for a condition to come true, generous for a busy CI machine: a poll comes every
# 2 s. How fast it really is belongs to `make bench` (live_poll_p95_ms), not to these tests.
LIVE = 10_000  # a new card on the board
FOLLOW = 15_000  # a phone reloads itself on a new phase: a poll, then a whole page


def phone_joins(new_context, live_server, code: str, *, name: str | None = None, guest: str = ""):
    page = new_context(PHONE).new_page()
    page.goto(f"{live_server.url}/doe-mee/")
    page.get_by_label("Code").fill(code.lower())
    page.get_by_role("button", name="Doe mee").click()
    if name:
        page.get_by_role("button", name=name).click()
    else:
        page.get_by_label("Je voornaam").fill(guest)
        page.get_by_role("button", name="Doe mee als gast").click()
    expect(page.get_by_text("je doet mee als")).to_be_visible()
    return page


def next_phase(run, expected: str) -> None:
    run.get_by_role("button", name="Volgende fase →").click()
    expect(run.locator("#live h1")).to_contain_text(expected)


def test_a_session_from_open_to_close(new_context, page, live_server, demo):
    session = upcoming_session()
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")
    page.goto(f"{live_server.url}/sessie/{session.pk}/leiden/")
    page.get_by_role("button", name="Sessie openen").click()
    code = page.locator(".code").first.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)

    board = page.context.new_page()
    board.goto(f"{live_server.url}/sessie/{session.pk}/bord/")
    expect(board.locator(".qr svg")).to_be_visible()

    ans = phone_joins(new_context, live_server, code, name="Ans Verhoef")
    kees = phone_joins(new_context, live_server, code, guest="Kees")

    # Check-in: a line each, on the board within 3 s.
    ans.get_by_label("Je kaartje").fill("Blij dat ik er ben")
    ans.get_by_role("button", name="Versturen").click()
    kees.get_by_label("Je kaartje").fill("Beetje moe")
    kees.get_by_role("button", name="Versturen").click()
    expect(board.get_by_text("Blij dat ik er ben")).to_be_visible(timeout=LIVE)
    expect(board.get_by_text("Beetje moe")).to_be_visible(timeout=LIVE)

    # Reflect: silent writing; the phones follow the phase by themselves.
    next_phase(page, "Reflecteren per thema")
    expect(ans.get_by_role("heading", name="Schrijf een kaartje")).to_be_visible(timeout=FOLLOW)
    ans.get_by_label("Je kaartje").fill("Ik durf niet alles te zeggen")
    ans.get_by_label("onderstroom").check()
    ans.get_by_label("Zonder mijn naam").check()
    ans.get_by_role("button", name="Versturen").click()
    expect(kees.get_by_role("heading", name="Schrijf een kaartje")).to_be_visible(timeout=FOLLOW)
    kees.get_by_label("Je kaartje").fill("We groeten elkaar nu bij naam")
    kees.get_by_label("succes").check()
    kees.get_by_label("mag zonder naam geciteerd worden").check()
    kees.get_by_role("button", name="Versturen").click()
    expect(page.get_by_text("We groeten elkaar nu bij naam")).to_be_visible(timeout=LIVE)
    expect(board.get_by_text("We groeten elkaar nu bij naam")).to_have_count(0)
    page.get_by_role("button", name="Laat de kaartjes aan de groep zien").click()
    expect(board.get_by_text("We groeten elkaar nu bij naam")).to_be_visible(timeout=LIVE)
    expect(board.get_by_text("Ik durf niet alles te zeggen")).to_be_visible(timeout=LIVE)

    # Share and group.
    next_phase(page, "Delen en ordenen")
    page.get_by_label("Nieuwe groep").fill("Elkaar kennen")
    page.get_by_role("button", name="Groep toevoegen").click()
    card = Reflection.objects.get(text="We groeten elkaar nu bij naam")
    page.locator(f"#group-{card.pk}").select_option(label="Elkaar kennen")
    page.locator(f"#group-{card.pk}").locator("xpath=..").get_by_role(
        "button", name="In groep zetten"
    ).click()
    group_heading = board.get_by_role("heading", name=re.compile("Elkaar kennen"))
    expect(group_heading).to_be_visible(timeout=LIVE)

    # Resonance, agreements, compass, close.
    next_phase(page, "Wat raakt")
    expect(kees.get_by_role("button", name="☆ Dit telt").first).to_be_visible(timeout=FOLLOW)
    kees.get_by_role("button", name="☆ Dit telt").first.click()
    expect(kees.get_by_role("button", name="★ Telt")).to_be_visible(timeout=LIVE)
    next_phase(page, "Afspraken")
    expect(ans.get_by_role("heading", name="Stel een afspraak voor")).to_be_visible(timeout=FOLLOW)
    ans.get_by_label("Wat").fill("Elke maand samen koffie")
    ans.get_by_role("button", name="Afspraak toevoegen").click()
    expect(board.get_by_text("Elke maand samen koffie")).to_be_visible(timeout=LIVE)
    next_phase(page, "Kompas")
    compass = kees.get_by_role("heading", name="Hoe doet de coalitie het?")
    expect(compass).to_be_visible(timeout=FOLLOW)
    for fieldset in kees.locator("fieldset.compass-field").all():
        fieldset.locator("label").nth(3).click()
    kees.get_by_label("met bewoners").check()
    kees.get_by_role("button", name="Mijn kompas opslaan").click()
    expect(kees.get_by_text("Je kompas is bewaard")).to_be_visible()
    next_phase(page, "Afsluiten")
    page.get_by_role("button", name="Sessie sluiten").click()
    expect(page.get_by_text("De code werkt niet meer")).to_be_visible()
    expect(ans.get_by_text("Bedankt voor het meedoen!")).to_be_visible(timeout=FOLLOW)

    # The anonymous card shows no name anywhere: board, summary, admin.
    anonymous = Reflection.objects.get(text="Ik durf niet alles te zeggen")
    assert anonymous.author is None and anonymous.participant is None
    page.goto(f"{live_server.url}/sessie/{session.pk}/samenvatting/")
    for screen in (board, page):
        card = screen.locator("article.live-card", has_text="Ik durf niet alles te zeggen")
        expect(card).to_contain_text("anoniem")
        expect(card).not_to_contain_text("Ans")
    admin = new_context(DESKTOP).new_page()
    log_in(admin, live_server, "beheerder")
    admin.goto(f"{live_server.url}/beheer/pitstops/reflection/?q=durf+niet")
    row = admin.locator("#result_list tbody tr", has_text="Ik durf niet alles te zeggen")
    expect(row).to_contain_text("anoniem")
    expect(row).not_to_contain_text("Ans")
