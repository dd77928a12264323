"""The facilitation team's synthesis at 1280 px, and a coordinator reading what it published,
also on a 360 px phone."""

from __future__ import annotations

from django.conf import settings
from playwright.sync_api import expect
from pypdf import PdfReader

from pitstops.models import RedThread

from .conftest import DESKTOP, PHONE, log_in
from .test_accessibility import serious_violations

ROUND = "/expeditie/expeditie-2026/pitstop/1"
QUOTE = "De gemeente wil cijfers zien. Daardoor tellen de kleine gesprekken niet mee."


def english(page, live_server) -> None:
    # English, so the test holds before and after the Dutch catalogue is merged.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )


def test_facilitator_searches_accepts_a_suggestion_publishes_and_a_coordinator_reads_the_pdf(
    page, live_server, demo, new_context
):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "begeleider")
    english(page, live_server)
    page.goto(f"{live_server.url}{ROUND}/werkplaats/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workspace")

    # Search, only words that may be quoted.
    page.get_by_role("textbox", name="Search").fill("gemeente")
    page.get_by_label("Who may read it").select_option("quotable")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#results-heading")).to_have_text("2 reflections")
    assert "q=gemeente" in page.url  # the filters live in the URL
    assert serious_violations(page) == []

    # Suggested red threads, on the same page: make them, accept one as a draft.
    panel = page.locator("#suggestions")
    panel.get_by_role("button", name="Make suggestions").click()
    # Tests run tasks at once; in production the panel polls until the worker is done.
    suggestion = panel.locator("article").first
    expect(suggestion).to_be_visible(timeout=30_000)
    suggestion.get_by_role("button", name="Make it a draft red thread").click()
    expect(panel.get_by_role("status")).to_be_visible()
    assert RedThread.objects.filter(status=RedThread.Status.DRAFT).exists()

    # One tap adds the quote to the red thread in review (htmx swaps only the button).
    expect(page.get_by_text("“Wie beslist wat telt?”")).to_be_visible()
    row = page.locator(".workspace-reflection", has_text=QUOTE)
    row.get_by_role("button", name="Add to the red thread").click()
    expect(row.get_by_role("button", name="Remove from the red thread")).to_be_visible()

    # Publish the red thread, then the report.
    page.get_by_role("link", name="Wie beslist wat telt?").click()
    # The evidence, beside the form (the same words said in another coalition may show under
    # "More like this" too, once that list has loaded).
    evidence = page.get_by_role("region", name="Evidence")
    expect(evidence.get_by_text(QUOTE)).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    page.get_by_role("button", name="Publish the changes and tell the readers").click()
    expect(page.get_by_text("The report is updated.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]

    # A coordinator reads it and downloads the PDF.
    coordinator = new_context(DESKTOP).new_page()
    log_in(coordinator, live_server, "coordinator")
    english(coordinator, live_server)
    coordinator.goto(f"{live_server.url}{ROUND}/verslag/")
    thread = coordinator.locator("article", has_text="Wie beslist wat telt?")
    expect(thread).to_contain_text(QUOTE)
    expect(thread).to_contain_text("Utrecht")  # the coalition's name stands with the quote
    expect(coordinator.locator(".report-dates")).to_contain_text("Updated on")
    assert serious_violations(coordinator) == []
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    reader = PdfReader(download.value.path())
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Wie beslist wat telt?" in text
    assert QUOTE in text


def test_the_report_fits_a_360_px_phone_with_its_compass_table_intact(page, live_server, demo):
    """Issue 23: the compass table was 398 px wide, so the report scrolled sideways on a phone.
    Short column labels make it fit; the table keeps its caption, scoped headers and full names."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}{ROUND}/verslag/")
    table = page.get_by_role("table", name="Het kompas per thema")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Screen readers hear the full column names; the eye reads the short ones.
    for name, short in (("Gemiddeld", "Gem."), ("Antwoorden", "Antw.")):
        header = table.get_by_role("columnheader", name=name, exact=True)
        expect(header).to_be_visible()
        expect(header.locator(".label-short")).to_have_text(short)
    assert table.locator("thead th[scope=col]").count() == 3
    assert table.locator("tbody th[scope=row]").count() == table.locator("tbody tr").count() > 0
    assert serious_violations(page) == []

    # On a desktop the full names are shown.
    page.set_viewport_size(DESKTOP)
    expect(table.locator("thead")).to_contain_text("Gemiddeld")
    expect(table.locator(".label-short").first).to_be_hidden()
