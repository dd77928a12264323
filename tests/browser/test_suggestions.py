"""A facilitator at a desktop has the round clustered, reads a suggestion and accepts it."""

from __future__ import annotations

from playwright.sync_api import expect

from pitstops.models import RedThread

from .conftest import DESKTOP, log_in
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
