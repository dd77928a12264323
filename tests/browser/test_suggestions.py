"""A facilitator at a desktop has the round clustered, reads a suggestion and accepts it."""

from __future__ import annotations

from playwright.sync_api import expect

from pitstops.models import RedThread

from .conftest import DESKTOP, PHONE, log_in
from .test_accessibility import serious_violations

SUGGESTIONS = "/expeditie/expeditie-2026/pitstop/1/suggesties/"


def test_facilitator_makes_suggestions_and_accepts_one(page, live_server, demo):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")
    page.goto(f"{live_server.url}/expeditie/expeditie-2026/")
    page.get_by_role("link", name="Voorgestelde rode draden").first.click()
    expect(page).to_have_url(f"{live_server.url}{SUGGESTIONS}")

    panel = page.locator("#suggestions")
    panel.get_by_role("button", name="Suggesties maken").click()
    # Tests run tasks at once; in production the panel polls until the worker is done.
    first = panel.locator("article").first
    expect(first).to_be_visible(timeout=30_000)
    expect(panel.locator("progress")).to_have_count(0)
    assert serious_violations(page) == []

    first.get_by_label("Titel van de rode draad").fill("Wie bepaalt wat telt?")
    first.get_by_role("button", name="Maak er een concept-rode draad van").click()
    expect(panel.get_by_role("status")).to_contain_text("Wie bepaalt wat telt?")
    thread = RedThread.objects.get(title="Wie bepaalt wat telt?")
    assert thread.status == RedThread.Status.DRAFT and thread.evidence.count() >= 2

    panel.locator("article").first.get_by_role("button", name="Negeren").click()
    expect(panel.get_by_role("status")).to_have_text("Suggestie genegeerd.")
    expect(panel).to_contain_text("Aangenomen: 1. Genegeerd: 1.")


def test_on_a_phone_the_team_adds_its_own_words_makes_suggestions_and_takes_them_off(
    page, live_server, demo
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "begeleider")
    page.goto(f"{live_server.url}{SUGGESTIONS}")
    own = page.locator("#eigen-woorden")
    expect(own).to_contain_text("Er zijn nog geen eigen woorden.")

    own.get_by_label("Woorden die mensen ervoor gebruiken").fill("sleutel; slot")
    own.get_by_role("button", name="Woorden toevoegen").click()
    # The answer opens at the section: the message is in view on a phone, not at the page's top.
    expect(own.get_by_text("Geef het onderwerp een naam.")).to_be_in_viewport()
    expect(own.get_by_label("Woorden die mensen ervoor gebruiken")).to_have_value("sleutel; slot")

    own.get_by_label("Onderwerp").fill("De sleutel van het buurthuis")
    own.get_by_role("button", name="Woorden toevoegen").click()
    added = own.get_by_role("status").get_by_text(
        "“De sleutel van het buurthuis” staat op de lijst."
    )
    expect(added).to_be_in_viewport()
    expect(page.get_by_text("staat op de lijst")).to_have_count(1)  # not at the top as well
    expect(own).to_contain_text("De sleutel van het buurthuis: sleutel, slot")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []

    page.locator("#suggestions").get_by_role("button", name="Suggesties maken").click()
    expect(page.locator("#suggestions article").first).to_be_visible(timeout=30_000)

    own.get_by_role("button", name="“De sleutel van het buurthuis” weghalen").click()
    expect(own).to_contain_text("Er zijn nog geen eigen woorden.")
    expect(own.get_by_role("status")).to_contain_text("is van de lijst gehaald")
