"""Keyboard only, at phone width: join by code, post a card, change it, withdraw it.

No clicks: focus moves with Tab (as a keyboard or switch user would), text is typed, and
buttons, links and the "change or withdraw" disclosure are worked with Enter.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from coalitions.demo import upcoming_session
from pitstops.models import Reflection

from .conftest import PHONE

MAX_TABS = 80


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has the focus; fails when Tab never gets there."""
    handle = target.element_handle()
    for _ in range(MAX_TABS):
        if page.evaluate("element => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_join_post_change_and_withdraw_a_card_with_the_keyboard_only(
    new_context, live_server, demo
):
    session = upcoming_session()
    session.open()
    phone = new_context(PHONE).new_page()
    phone.goto(f"{live_server.url}/doe-mee/")

    tab_to(phone, phone.get_by_label("Code"))
    phone.keyboard.type(session.join_code)
    phone.keyboard.press("Enter")

    tab_to(phone, phone.get_by_label("Je voornaam"))
    phone.keyboard.type("Kees")
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("je doet mee als")).to_be_visible()
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=10_000)

    tab_to(phone, phone.get_by_label("Je kaartje"))
    phone.keyboard.type("Fijn dat ik er ben")
    tab_to(phone, phone.get_by_role("button", name="Versturen"))
    phone.keyboard.press("Enter")
    mine = phone.get_by_role("region", name="Mijn kaartjes")
    expect(mine).to_contain_text("Fijn dat ik er ben", timeout=10_000)

    tab_to(phone, mine.locator("summary"))
    phone.keyboard.press("Enter")
    edit = mine.get_by_label("Je kaartje")
    tab_to(phone, edit)
    phone.keyboard.press("Control+A")
    phone.keyboard.type("Blij dat ik er ben")
    tab_to(phone, mine.get_by_role("button", name="Opslaan"))
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("Je kaartje is veranderd.")).to_be_visible()
    expect(mine).to_contain_text("Blij dat ik er ben")
    assert Reflection.objects.filter(text="Blij dat ik er ben").count() == 1

    tab_to(phone, mine.locator("summary"))
    phone.keyboard.press("Enter")
    tab_to(phone, mine.get_by_role("button", name="Intrekken"))
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("Je kaartje is ingetrokken.")).to_be_visible()
    expect(phone.get_by_role("region", name="Mijn kaartjes")).to_have_count(0)
    assert not Reflection.objects.filter(text="Blij dat ik er ben").exists()
