"""Easy to read (issue 21): larger letters kept per phone, the kinds of card explained, the
themes' pictures, long texts folded; and axe-core on every page a participant sees, in every
phase, with the new controls, with easy reading off and on.

The member's pages (the coalition space, the report, ...) are crawled with easy reading on in
test_accessibility_crawl.py.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from coalitions.models import Member
from pitstops.models import Reflection, Session

from .conftest import PHONE, log_in
from .test_accessibility import violations
from .test_live_session import LIVE
from .test_read_aloud import DUTCH, join, spy_on_speech

EASY_READ_ON = "window.localStorage.setItem('pitstop-easy-read', 'on')"
# Whether <html> had the class the moment <body> began: the page is never drawn without it.
FIRST_PAINT_PROBE = """
new MutationObserver((changes, observer) => {
  if (document.body) {
    window.easyReadBeforeBody = document.documentElement.classList.contains("easy-read");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""
LONG = (
    "We merken dat bewoners vaker zelf iets opzetten. Eerst vroegen ze ons om hulp bij elke "
    "stap, nu bellen ze alleen nog als ze ergens vastlopen. Dat voelt goed, maar soms ook een "
    "beetje vreemd. Wat is dan nog onze rol? We willen daar in de volgende pitstop samen over "
    "praten, met de bewoners erbij. Misschien kunnen we afspreken wie wat doet en wanneer."
)


def font_size(page: Page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


def test_easy_reading_stays_on_over_a_reload_and_is_there_before_the_first_paint(
    page, live_server, demo
):
    page.set_viewport_size(PHONE)
    page.add_init_script(FIRST_PAINT_PROBE)
    log_in(page, live_server, "bewoner")
    switch = page.get_by_role("button", name="Makkelijk lezen")
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(switch).to_have_accessible_description("Grotere letters en meer ruimte.")
    normal = font_size(page)

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class(re.compile(r"\beasy-read\b"))
    assert font_size(page) > normal

    page.reload()
    assert page.evaluate("window.easyReadBeforeBody") is True
    expect(page.get_by_role("button", name="Makkelijk lezen")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert font_size(page) > normal

    page.get_by_role("button", name="Makkelijk lezen").click()
    page.reload()
    assert page.evaluate("window.easyReadBeforeBody") is False
    assert font_size(page) == normal


def test_the_kinds_are_explained_and_the_chosen_theme_shows_its_picture(
    new_context, live_server, demo
):
    session = Session.objects.get(pitstop__number=2, coalition__slug="apeldoorn")
    session.open()
    session.go_to_phase(Session.Phase.REFLECT)
    phone = join(new_context(PHONE), live_server, session.join_code)

    expect(phone.get_by_label("onderstroom")).to_have_accessible_description(
        "Iets wat speelt, maar wat niemand hardop zegt."
    )
    expect(phone.get_by_label("kleine mislukking")).to_have_accessible_description(
        "Iets wat niet lukte, en waar we van leren."
    )
    expect(phone.get_by_text("Liever praten dan typen?")).to_be_visible()

    choice = phone.locator("[data-theme-choice]")
    shown = choice.locator("img:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("src", re.compile(r"icons/themes/reisgezelschap\."))
    choice.get_by_label("Thema").select_option(label="De teamgeest")
    expect(shown).to_have_attribute("src", re.compile(r"icons/themes/teamgeest\."))
    # Beside the name only: screen readers hear the name once.
    expect(choice.get_by_role("img")).to_have_count(0)


def test_a_long_reflection_is_folded_and_opens_with_read_more(page, live_server, demo):
    member = Member.objects.get(user__username="bewoner")
    Reflection.objects.create(
        coalition=member.coalition,
        author=member,
        author_role=member.role,
        theme=member.coalition.expedition.themes.get(key="klein"),
        kind=Reflection.Kind.OBSERVATION,
        visibility=Reflection.Visibility.COALITION,
        text=LONG,
    )
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "bewoner")
    page.goto(f"{live_server.url}{member.coalition.get_absolute_url()}")
    reflection = page.locator("figure", has_text="Wat is dan nog onze rol?")
    more = reflection.get_by_role("button", name="Lees meer")
    expect(more).to_have_attribute("aria-expanded", "false")
    text = reflection.locator("blockquote")
    folded = text.evaluate("element => element.clientHeight")
    assert folded < text.evaluate("element => element.scrollHeight")

    more.click()
    expect(reflection.get_by_role("button", name="Lees minder")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert text.evaluate("element => element.clientHeight") > folded
    expect(reflection.locator("img.theme-icon")).to_have_attribute(
        "src", re.compile(r"icons/themes/klein\.")
    )


def problems_on(page: Page) -> list[str]:
    """axe-core's findings of any impact, and a page wider than the phone."""
    found = violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{width} px wide")
    return found


def test_a_participants_pages_have_no_accessibility_violation_in_any_phase(
    new_context, live_server, demo
):
    """Every phase a phone goes through, with the cards, read buttons, folded text and the
    player on screen, with easy reading off and on: axe finds nothing of any impact."""
    session = Session.objects.get(pitstop__number=2, coalition__slug="apeldoorn")
    session.open()
    session.go_to_phase(Session.Phase.CHECK_IN)
    context = new_context(PHONE)
    spy_on_speech(context, [DUTCH])
    phone = join(context, live_server, session.join_code)
    phone.get_by_label("Je kaartje").fill(LONG)
    phone.get_by_role("button", name="Versturen").click()
    expect(phone.get_by_role("region", name="Mijn kaartjes")).to_contain_text(
        "Wat is dan nog onze rol?", timeout=LIVE
    )

    found = {}
    for phase in session.phases:
        session.refresh_from_db()
        session.go_to_phase(phase)
        # Into the new phase now, before the phone's own poll reloads it while it is used here.
        phone.reload()
        expect(phone.locator("#live h1")).to_be_visible()
        for easy in (False, True):
            phone.evaluate(
                EASY_READ_ON if easy else "window.localStorage.removeItem('pitstop-easy-read')"
            )
            phone.reload()
            expect(phone.locator("#live h1")).to_be_visible()
            if problems := problems_on(phone):
                found[f"{phase}, easy reading {'on' if easy else 'off'}"] = problems
    # While reading: the player with its buttons, and the word and block marked.
    phone.locator("[data-read-button]").first.click()
    expect(phone.get_by_role("region", name="Voorlezen")).to_be_visible()
    phone.evaluate("window.sayWord(0, 3)")
    # The player is fixed at the bottom and the page makes room for it: axe judges its colours
    # once that layout is drawn (seen once: the page's light background behind its buttons).
    expect(phone.locator("body.read-aloud-playing")).to_have_count(1)
    phone.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    if problems := problems_on(phone):
        found["while reading aloud"] = problems
    # Without a voice, the note beside the button.
    phone.get_by_role("region", name="Voorlezen").get_by_role("button", name="Stop").click()
    phone.evaluate("speechSynthesis.getVoices = () => []")
    phone.locator("[data-read-button]").first.click()
    expect(phone.get_by_text("Deze telefoon heeft geen Nederlandse stem.").first).to_be_visible(
        timeout=LIVE
    )
    if problems := problems_on(phone):
        found["with the note that there is no voice"] = problems
    assert found == {}
