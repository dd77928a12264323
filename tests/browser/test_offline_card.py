"""A card typed on a phone survives a dropped connection and is stored once when it returns."""

from __future__ import annotations

from playwright.sync_api import expect

from coalitions.demo import upcoming_session
from pitstops.models import Reflection

from .conftest import PHONE
from .test_live_session import FOLLOW, LIVE


def test_card_waits_for_the_connection_and_is_stored_once(new_context, live_server, demo):
    session = upcoming_session()
    session.open()
    context = new_context(PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/doe-mee/?code={session.join_code}")
    phone.get_by_role("button", name="Doe mee").click()
    phone.get_by_role("button", name="Gerda Hofman").click()

    # A draft survives a reload, once session.js listens (a busy phone may take a while).
    ready = phone.locator("#card-form[data-ready=true]")
    expect(ready).to_have_count(1, timeout=10_000)
    phone.get_by_label("Je kaartje").fill("Half getypt")
    phone.reload()
    expect(ready).to_have_count(1, timeout=10_000)
    expect(phone.get_by_label("Je kaartje")).to_have_value("Half getypt")

    context.set_offline(True)
    phone.get_by_label("Je kaartje").fill("Getypt in de kelder zonder bereik")
    phone.get_by_role("button", name="Versturen").click()
    expect(phone.locator("#queue-status")).to_contain_text("Nog niet verstuurd", timeout=LIVE)
    assert not Reflection.objects.filter(text__startswith="Getypt in de kelder").exists()

    context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.get_by_role("heading", name="Mijn kaartjes")).to_be_visible(timeout=FOLLOW)
    expect(phone.get_by_text("Getypt in de kelder zonder bereik").first).to_be_visible()
    assert Reflection.objects.filter(text="Getypt in de kelder zonder bereik").count() == 1
