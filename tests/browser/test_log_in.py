"""Each demo role logs in and finds its home page, on a phone and on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, log_in

HOMES = {
    "begeleider": "Expedities die je begeleidt",
    "coordinator": "Expedities die je volgt",
    "bewoner": "Mijn coalitie",
    "beroepskracht": "Mijn coalitie",
    "beheerder": "Beheer",
}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("username", HOMES)
def test_demo_role_logs_in_to_its_home(page, live_server, demo, username, viewport):
    page.set_viewport_size(viewport)
    log_in(page, live_server, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.get_by_role("heading", name=HOMES[username], exact=True)).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_resident_follows_the_link_to_the_coalition_and_the_report(page, live_server, demo):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "bewoner")
    page.get_by_role("link", name="Apeldoorn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apeldoorn")
    page.get_by_role("link", name="Start").or_(
        page.get_by_role("link", name="Pitstop")
    ).first.click()
    page.get_by_role("link", name="Eerste pitstop", exact=False).click()
    expect(page.get_by_role("heading", name="In hun eigen woorden").first).to_be_visible()


def test_a_private_page_sends_you_to_log_in_and_back(page, live_server, demo):
    page.goto(f"{live_server.url}/expeditie/expeditie-2026/coalitie/apeldoorn/")
    expect(page.get_by_text("Log in om deze pagina te zien.")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill("beroepskracht")
    page.get_by_label("Wachtwoord").fill("pitstop-demo")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apeldoorn")


def test_switch_to_english_and_back(page, live_server, demo):
    log_in(page, live_server, "bewoner")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_keyboard_user_can_skip_to_the_content(page, live_server, demo):
    log_in(page, live_server, "bewoner")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
