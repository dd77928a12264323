"""A resident on a phone uses the coalition's space: the plan of small things and the tamtam."""

from __future__ import annotations

from django.conf import settings
from playwright.sync_api import expect

from .conftest import PHONE, log_in

APELDOORN = "/expeditie/expeditie-2026/coalitie/apeldoorn/"


def test_resident_adds_a_success_joins_an_idea_and_sees_the_tamtam(page, live_server, demo):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "bewoner")
    # English, so the test holds before and after the Dutch catalogue is merged.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{APELDOORN}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Apeldoorn")

    # A small success, added with htmx: the plan updates in place.
    plan = page.locator("#plan")
    plan.get_by_label("small success").check()
    plan.get_by_label("In one line").fill("Buurvrouw kwam voor het eerst mee wandelen")
    plan.get_by_role("button", name="Add").click()
    expect(plan.get_by_text("Buurvrouw kwam voor het eerst mee wandelen")).to_be_visible()
    expect(page.locator("#plan-status")).to_have_text("Added to the plan.")

    # Count me in on an idea someone else leads.
    idea = plan.locator(".small-thing", has_text="Een lijstje met telefoonnummers")
    button = idea.get_by_role("button", name="Count me in")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(idea.get_by_role("button", name="Count me in")).to_have_attribute("aria-pressed", "true")
    expect(idea).to_contain_text("Ans Verhoef")

    # The tamtam: post, and see it on top without a reload.
    tamtam = page.locator("#tamtam")
    tamtam.get_by_label("Your message").fill("Ik doe zaterdag mee met vegen! @Youssef")
    tamtam.get_by_role("button", name="Post").click()
    first = tamtam.locator(".tamtam-post").first
    expect(first).to_contain_text("Ik doe zaterdag mee met vegen!")
    expect(first).to_contain_text("Youssef El Amrani")  # the mention
    expect(tamtam.get_by_label("Your message")).to_have_value("")
    expect(page.locator("#tamtam-status")).to_have_text("Your message is on the tamtam.")

    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
