"""The coordinators' overview reads on a phone and on a desktop: no sideways scrolling, no axe
violations, and a coalition's row opens from the heat map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, log_in
from .test_accessibility import violations

OVERVIEW = "/expeditie/expeditie-2026/overzicht/"


def scrolls_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_overview_reads_without_sideways_scrolling(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/expeditie/expeditie-2026/")
    page.get_by_role("link", name="Wat terugkomt in de coalities").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat terugkomt in de coalities")
    expect(page.get_by_role("heading", name="Rode draden:", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="Rode draden die terugkomen")).to_be_visible()
    assert not scrolls_sideways(page)
    assert violations(page) == []

    # From the heat map to one coalition's row, opened, with its charts and tables.
    page.get_by_role("link", name="Apeldoorn").first.click()
    row = page.locator("#coalition-apeldoorn")
    expect(row).to_have_attribute("open", "")
    expect(row.get_by_role("img", name="Kompas van Apeldoorn")).to_be_visible()
    row.get_by_text("Cijfers: Kompas van Apeldoorn").click()
    expect(row.get_by_role("region", name="Kompas van Apeldoorn")).to_be_visible()
    assert not scrolls_sideways(page)
    assert violations(page) == []
