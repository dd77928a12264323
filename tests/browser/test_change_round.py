"""The round "Verhalen van verandering" in real browsers: the facilitator adds it when preparing a
session, three phones write stories, each marks one, the facilitator notes the group's story and
why; it reaches the workspace and, because it may be quoted, the report's PDF. A story that may
not be quoted never reaches the report."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from pitstops.models import Reflection, Session

from .conftest import DESKTOP, PHONE, log_in
from .test_live_session import FOLLOW, LIVE, next_phase, phone_joins

QUESTION = "Wat is er voor jou veranderd sinds de vorige pitstop?"
QUOTABLE = "Ik ken nu de namen van mijn buren"
PRIVATE = "De wijkagent belt me nu terug"
ANONYMOUS = "Ik durf nu om hulp te vragen"
WHY = "Het laat zien dat mensen elkaar weer vinden"
PRIVATE_WHY = "Dit hoort alleen bij ons"


def write_story(phone, text: str, *, visibility: str = "", anonymous: bool = False) -> None:
    expect(phone.get_by_role("heading", name=QUESTION)).to_be_visible(timeout=FOLLOW)
    phone.get_by_label("Jouw verhaal").fill(text)
    if visibility:
        phone.get_by_label(visibility).check()
    if anonymous:
        phone.get_by_label("Zonder mijn naam").check()
    phone.get_by_role("button", name="Versturen").click()
    expect(phone.get_by_role("region", name="Mijn kaartjes")).to_contain_text(text)


def give_mark(phone, text: str) -> None:
    story = phone.locator("#group-cards > div", has_text=text)
    story.get_by_role("button", name="☆ Telt het meest voor mij").click(timeout=LIVE)
    expect(story.get_by_role("button", name="★ Telt het meest")).to_be_visible(timeout=LIVE)


def pdf_text(page, url: str) -> str:
    """The PDF as the facilitator's browser downloads it, read with pypdf."""
    response = page.context.request.get(url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_stories_of_change_from_phones_to_the_report(new_context, page, live_server, demo):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")

    # Preparing Voorst's session for the next pitstop, with the round.
    page.goto(f"{live_server.url}/expeditie/expeditie-2026/sessie/nieuw/")
    page.get_by_label("Pitstop").select_option(label="4. Vierde pitstop")
    page.get_by_label("Coalitie").select_option(label="Voorst")
    page.get_by_label("Datum").fill("2027-02-10")
    page.get_by_label("Voeg de ronde “Verhalen van verandering” toe").check()
    page.get_by_role("button", name="Sessie voorbereiden").click()
    expect(page.get_by_text("De sessie staat klaar.")).to_be_visible()
    session = Session.objects.get(pitstop__number=4, coalition__slug="voorst")
    assert session.phases[:2] == ["check_in", "change"]

    page.get_by_role("button", name="Sessie openen").click()
    code = page.locator(".code").first.inner_text()
    phones = [phone_joins(new_context, live_server, code, guest=name) for name in "ABC"]
    next_phase(page, "Verhalen van verandering")

    first, second, third = phones
    write_story(first, QUOTABLE, visibility="mag zonder naam geciteerd worden")
    write_story(second, PRIVATE, visibility="mijn coalitie")
    write_story(third, ANONYMOUS, anonymous=True)
    # The facilitator sees every story; the phones none of another's before the reveal.
    for text in (QUOTABLE, PRIVATE, ANONYMOUS):
        expect(page.locator("#cards-change")).to_contain_text(text, timeout=LIVE)
    expect(second.get_by_text(QUOTABLE)).to_have_count(0)
    expect(second.get_by_text("Je ziet de verhalen als de begeleider")).to_be_visible()

    page.get_by_role("button", name="Laat de verhalen aan de groep zien").click()
    for phone in phones:
        expect(phone.locator("#group-cards")).to_contain_text(QUOTABLE, timeout=LIVE)
    give_mark(first, QUOTABLE)
    give_mark(second, PRIVATE)
    give_mark(third, QUOTABLE)
    # One mark each: the other stories can no longer be marked from the first phone.
    expect(
        first.locator("#group-cards > div", has_text=PRIVATE).get_by_role(
            "button", name="☆ Telt het meest voor mij"
        )
    ).to_be_disabled()
    for phone in phones:  # no sideways scrolling at 360 px
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The run page shows the marks; the most-marked story is the group's, with why.
    chosen = page.locator("#cards-change > div", has_text=QUOTABLE)
    expect(chosen).to_contain_text("2 sterren", timeout=LIVE)
    expect(page.locator("#cards-change > div", has_text=PRIVATE)).to_contain_text("1 ster")
    page.reload()
    page.get_by_label(QUOTABLE).check()
    page.get_by_label("Waarom koos de groep dit verhaal?").fill(WHY)
    page.get_by_role("button", name="Verhaal van de groep opslaan").click()
    expect(page.get_by_text("Het verhaal van de groep is bewaard, met waarom.")).to_be_visible()
    expect(page.locator(".chosen-story")).to_contain_text(WHY)
    expect(first.locator(".chosen-story")).to_contain_text(QUOTABLE, timeout=FOLLOW)

    # The workspace (facilitators) shows it with the why; the report's PDF quotes it.
    round_url = f"{live_server.url}/expeditie/expeditie-2026/pitstop/4"
    page.goto(f"{round_url}/werkplaats/")
    stories = page.get_by_role("region", name="Verhalen van verandering")
    expect(stories).to_contain_text(QUOTABLE)
    expect(stories).to_contain_text(WHY)
    expect(stories).to_contain_text("in het verslag")
    text = pdf_text(page, f"{round_url}/verslag.pdf")
    assert "Verhalen van verandering" in text
    assert QUOTABLE in text and WHY in text
    assert "Voorst" in text
    for name in ("A (gast)", "B (gast)", "C (gast)"):
        assert name not in text
    assert PRIVATE not in text and ANONYMOUS not in text

    # Had the group chosen the story that may not be quoted, the report would not show it.
    page.goto(f"{live_server.url}/sessie/{session.pk}/leiden/")
    page.get_by_label(PRIVATE).check()
    page.get_by_label("Waarom koos de groep dit verhaal?").fill(PRIVATE_WHY)
    page.get_by_role("button", name="Verhaal van de groep opslaan").click()
    expect(page.locator(".chosen-story")).to_contain_text(PRIVATE_WHY)
    assert Session.objects.get(pk=session.pk).chosen_story == Reflection.objects.get(text=PRIVATE)
    page.goto(f"{round_url}/werkplaats/")
    expect(stories).to_contain_text("mag niet geciteerd worden")
    page.goto(f"{round_url}/verslag/")
    report = page.get_by_role("region", name="Verhalen van verandering")
    expect(report).to_contain_text("Geen van de gekozen verhalen van deze ronde mag in het verslag")
    expect(page.get_by_text(PRIVATE)).to_have_count(0)
    expect(page.get_by_text(PRIVATE_WHY)).to_have_count(0)
