"""Read aloud (issue 21): the phone's own voice reads a question, a card or the whole page.

A spy stands in for the phone's speech (`speechSynthesis`), installed before any script of the
page runs: it records what would be said and in which language, and offers the voices a test
chooses. No real voice speaks, and nothing leaves the browser.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from playwright.sync_api import Page, expect

from coalitions.models import GuidingQuestion
from pitstops.models import Reflection, Session

from .conftest import PHONE
from .test_keyboard_only import tab_to
from .test_live_session import LIVE, phone_joins

DUTCH = {"name": "Xander", "lang": "nl-NL", "localService": True, "default": True}
ENGLISH = {"name": "Daniel", "lang": "en-GB", "localService": True, "default": False}
# A voice that speaks through its maker's servers: never used for residents' words.
REMOTE_DUTCH = {"name": "Online Nederlands", "lang": "nl-NL", "localService": False}

SPY = """
(() => {
  const voices = %s;
  const synth = window.speechSynthesis;
  if (voices === null) {  // a browser without speech
    Object.defineProperty(window, "speechSynthesis", {value: undefined, configurable: true});
    return;
  }
  window.spoken = [];
  window.calls = {cancel: 0, pause: 0, resume: 0};
  synth.getVoices = () => voices;
  synth.speak = (utterance) => {
    // The rate is a float32 inside: 0.8 comes back as 0.800000011920929.
    const rate = Math.round(utterance.rate * 100) / 100;
    window.spoken.push({text: utterance.text, lang: utterance.lang, rate});
    window.lastUtterance = utterance;
  };
  synth.cancel = () => { window.calls.cancel += 1; };
  synth.pause = () => { window.calls.pause += 1; };
  synth.resume = () => { window.calls.resume += 1; };
  // What the browser says when it starts a word, and when it is done with a part.
  window.sayWord = (charIndex, charLength) => window.lastUtterance.dispatchEvent(
    new SpeechSynthesisEvent("boundary", {
      utterance: window.lastUtterance, name: "word", charIndex, charLength,
    }));
  window.finishPart = () => window.lastUtterance.dispatchEvent(new Event("end"));
})();
"""


def spy_on_speech(context, voices: list[dict] | None) -> None:
    context.add_init_script(SPY % json.dumps(voices))


def spoken(page: Page) -> list[dict]:
    return page.evaluate("window.spoken")


def reflecting_session() -> Session:
    session = Session.objects.get(pitstop__number=2, coalition__slug="apeldoorn")
    session.open()
    session.go_to_phase(Session.Phase.REFLECT)
    return session


def join(context, live_server, code: str) -> Page:
    """A guest joins on a phone of this (spied-on) browser context."""
    page = context.new_page()
    page.goto(f"{live_server.url}/doe-mee/")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Doe mee").click()
    page.get_by_label("Je voornaam").fill("Kees")
    page.get_by_role("button", name="Doe mee als gast").click()
    expect(page.get_by_text("je doet mee als")).to_be_visible()
    return page


def first_question(session: Session) -> GuidingQuestion:
    return session.current_theme.questions.order_by("position", "pk").first()


def test_a_question_is_read_in_dutch_with_pause_slower_and_stop(new_context, live_server, demo):
    session = reflecting_session()
    context = new_context(PHONE)
    spy_on_speech(context, [ENGLISH, REMOTE_DUTCH, DUTCH])
    phone = join(context, live_server, session.join_code)
    question = first_question(session).text_nl
    item = phone.locator(".guiding-questions li", has_text=question)
    button = item.get_by_role("button", name="Lees voor")

    button.click()
    assert spoken(phone) == [{"text": question, "lang": "nl-NL", "rate": 1}]
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(item).to_have_class(re.compile(r"\bis-reading\b"))
    player = phone.get_by_role("region", name="Voorlezen")
    expect(player).to_be_visible()
    expect(phone.locator("[data-read-status]")).to_have_text("Ik lees voor.")

    # The word the voice is at is marked on the page (where the browser can).
    phone.evaluate("window.sayWord(4, 5)")
    assert phone.evaluate("CSS.highlights.get('read-aloud-word').size") == 1
    assert (
        phone.evaluate("[...CSS.highlights.get('read-aloud-word')][0].toString()") == question[4:9]
    )

    player.get_by_role("button", name="Pauze").click()
    assert phone.evaluate("window.calls.pause") == 1
    expect(phone.locator("[data-read-status]")).to_have_text("Op pauze.")
    player.get_by_role("button", name="Verder").click()
    assert phone.evaluate("window.calls.resume") == 1

    # Slower: the part is said again at 0.8, and the choice stays on this phone.
    player.get_by_role("button", name="Langzamer").click()
    assert spoken(phone)[-1] == {"text": question, "lang": "nl-NL", "rate": 0.8}
    assert phone.evaluate("localStorage.getItem('pitstop-read-rate')") == "0.8"

    cancelled = phone.evaluate("window.calls.cancel")
    player.get_by_role("button", name="Stop").click()
    assert phone.evaluate("window.calls.cancel") == cancelled + 1
    expect(player).to_be_hidden()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(phone.locator(".is-reading")).to_have_count(0)
    expect(phone.locator("[data-read-status]")).to_have_text("Gestopt met voorlezen.")
    # The focus was on Stop, which went away: it goes back to where reading started.
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Lees voor"

    phone.reload()
    button.click()
    assert spoken(phone)[-1]["rate"] == 0.8
    expect(phone.get_by_role("button", name="Langzamer")).to_have_attribute("aria-pressed", "true")


def test_an_english_page_is_read_by_an_english_voice(new_context, live_server, demo):
    session = reflecting_session()
    context = new_context(PHONE)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    spy_on_speech(context, [DUTCH, ENGLISH])
    phone = context.new_page()
    phone.goto(f"{live_server.url}/doe-mee/")
    phone.get_by_label("Code").fill(session.join_code)
    phone.get_by_role("button", name="Join").click()
    phone.get_by_label("Your first name").fill("Kees")
    phone.get_by_role("button", name="Join as a guest").click()
    question = first_question(session).text_en

    phone.locator(".guiding-questions li", has_text=question).get_by_role(
        "button", name="Read aloud"
    ).click()
    assert spoken(phone) == [{"text": question, "lang": "en-GB", "rate": 1}]


def test_without_a_voice_for_the_language_the_button_says_so(new_context, live_server, demo):
    session = reflecting_session()
    context = new_context(PHONE)
    # Only English, and a Dutch voice that would send the words to a server.
    spy_on_speech(context, [ENGLISH, REMOTE_DUTCH])
    phone = join(context, live_server, session.join_code)
    item = phone.locator(".guiding-questions li").first

    item.get_by_role("button", name="Lees voor").click()
    expect(item.get_by_text("Deze telefoon heeft geen Nederlandse stem.")).to_be_visible()
    expect(phone.locator("[data-read-status]")).to_have_text(
        "Deze telefoon heeft geen Nederlandse stem."
    )
    assert spoken(phone) == []
    expect(phone.get_by_role("region", name="Voorlezen")).to_be_hidden()


def test_a_browser_without_speech_says_so_too(new_context, live_server, demo):
    session = reflecting_session()
    context = new_context(PHONE)
    spy_on_speech(context, None)
    phone = join(context, live_server, session.join_code)
    tools = phone.locator(".reading-tools")

    tools.get_by_role("button", name="Lees de hele pagina voor").click()
    expect(tools.get_by_text("Deze browser kan niet voorlezen.")).to_be_visible()


def test_the_keyboard_reaches_the_button_and_enter_reads_without_moving_the_focus(
    new_context, live_server, demo
):
    session = reflecting_session()
    context = new_context(PHONE)
    spy_on_speech(context, [DUTCH])
    phone = join(context, live_server, session.join_code)
    question = first_question(session).text_nl
    button = phone.locator(".guiding-questions li", has_text=question).get_by_role(
        "button", name="Lees voor"
    )

    tab_to(phone, button)
    phone.keyboard.press("Enter")
    assert spoken(phone) == [{"text": question, "lang": "nl-NL", "rate": 1}]
    assert phone.evaluate("element => document.activeElement === element", button.element_handle())
    # Escape stops, and the focus still stays.
    phone.keyboard.press("Escape")
    expect(phone.get_by_role("region", name="Voorlezen")).to_be_hidden()
    assert phone.evaluate("element => document.activeElement === element", button.element_handle())


def test_the_whole_page_is_read_in_order_part_by_part(new_context, live_server, demo):
    session = reflecting_session()
    context = new_context(PHONE)
    spy_on_speech(context, [DUTCH])
    phone = join(context, live_server, session.join_code)
    questions = [question.text_nl for question in first_question(session).theme.questions.all()]

    phone.get_by_role("button", name="Lees de hele pagina voor").click()
    for _ in range(30):  # each part ends, the next begins: until the last question
        if spoken(phone)[-1]["text"] == questions[-1]:
            break
        phone.evaluate("window.finishPart()")
    said = [part["text"] for part in spoken(phone)]
    assert said[0] == "Apeldoorn, je doet mee als Kees (gast)"
    assert said.index(questions[0]) < said.index(questions[1]) < said.index(questions[2])
    # Not read: the reading tools themselves, and the form's own fields.
    assert not any("Lees de hele pagina voor" in text for text in said)
    # The kinds of card are read, as they ask for it.
    phone.evaluate("window.finishPart()")
    while "observatie" not in spoken(phone)[-1]["text"]:
        phone.evaluate("window.finishPart()")
    assert spoken(phone)[-1]["text"].startswith(
        "Wat voor kaartje is het? observatie. Iets wat je zag of hoorde. onderstroom."
    )


def test_a_card_a_live_update_brings_can_be_read_and_a_long_one_is_folded(
    new_context, live_server, demo
):
    session = Session.objects.get(pitstop__number=2, coalition__slug="apeldoorn")
    session.open()
    session.go_to_phase(Session.Phase.CHECK_IN)
    context = new_context(PHONE)
    spy_on_speech(context, [DUTCH])
    reader = join(context, live_server, session.join_code)
    reader.evaluate("window.stillTheSamePage = true")

    writer = phone_joins(new_context, live_server, session.join_code, guest="Ans")
    long_text = "Ik vond het fijn om te horen hoe het met iedereen gaat. " * 6
    writer.get_by_label("Je kaartje").fill(long_text.strip())
    writer.get_by_role("button", name="Versturen").click()
    mine = writer.get_by_role("region", name="Mijn kaartjes")
    expect(mine).to_contain_text("Ik vond het fijn", timeout=LIVE)
    card = Reflection.objects.get(text=long_text.strip())
    on_board = reader.locator(f"#card-{card.pk}")
    expect(on_board).to_be_visible(timeout=LIVE)
    assert reader.evaluate("window.stillTheSamePage") is True  # a delta, not a reload

    on_board.get_by_role("button", name="Lees voor").click()
    player = reader.get_by_role("region", name="Voorlezen")
    while player.is_visible():  # part after part, until the card is read
        reader.evaluate("window.finishPart()")
    said = " ".join(part["text"] for part in spoken(reader))
    assert said == f"{long_text.strip()} observatie Ans (gast)"
    assert len(spoken(reader)) > 1  # a long text is said in parts

    more = on_board.get_by_role("button", name="Lees meer")
    expect(more).to_have_attribute("aria-expanded", "false")
    text = on_board.locator(".card-text")
    folded_height = text.evaluate("element => element.clientHeight")
    more.click()
    less = on_board.get_by_role("button", name="Lees minder")
    expect(less).to_have_attribute("aria-expanded", "true")
    assert text.evaluate("element => element.clientHeight") > folded_height
