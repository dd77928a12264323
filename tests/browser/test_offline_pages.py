"""Installable and offline-first in Chromium on a phone (360 by 740): the service worker keeps
the pages a participant and a member opened, for them only, and what they write without a
connection is stored once, in order, when it returns (expeditie/offline.py, static/js/*.js).

Service workers need a secure context: the live server is http://localhost, which counts as one.
"""

from __future__ import annotations

import importlib
import random
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from coalitions.models import Member
from expeditie import offline
from pitstops.models import Reflection
from tests.factories import (
    CoalitionFactory,
    ExpeditionFactory,
    MemberFactory,
    PitstopFactory,
    SessionFactory,
    UserFactory,
)

from .conftest import DESKTOP, PHONE, log_in
from .test_accessibility import violations
from .test_live_session import FOLLOW, LIVE

PASSWORD = "secret-password"  # tests.factories.UserFactory's
KEPT = 15_000  # the worker installs (static files, offline page) and keeps the page
BACK_ONLINE = 70_000  # the offline page's tries after 0, 2, 4, 8, 16 and 30 s, and the page
BANNER = re.compile(r"Je bent offline\. Dit is de pagina van \d+ \w+, \d\d:\d\d\.")


@pytest.fixture
def place(transactional_db):
    """A coalition of its own: two members with an account each, a facilitator, a session."""
    shipped = importlib.import_module("coalitions.migrations.0002_default_themes")
    shipped.add_default_themes(django_apps, schema_editor=None)
    expedition = ExpeditionFactory(slug="expeditie-offline")
    expedition.adopt_default_themes()
    coalition = CoalitionFactory(expedition=expedition, slug="zutphen", name="Zutphen")
    users = {name: UserFactory(username=name, first_name=name.title()) for name in ("anna", "bert")}
    MemberFactory(coalition=coalition, user=users["anna"], name="Anna de Vries")
    MemberFactory(
        coalition=coalition, user=users["bert"], name="Bert Smit", role=Member.Role.PROFESSIONAL
    )
    facilitator = UserFactory(username="fien")
    expedition.facilitators.add(facilitator)
    session = SessionFactory(pitstop=PitstopFactory(expedition=expedition), coalition=coalition)
    session.facilitators.add(facilitator)
    session.themes.add(*expedition.themes.all())
    home = f"/expeditie/{expedition.slug}/coalitie/{coalition.slug}/"
    return SimpleNamespace(
        session=session, coalition=coalition, home=home, reflections=f"{home}reflecties/"
    )


def kept(page) -> None:
    """The worker controls the page and keeps its copy (offline.js says so on <html>)."""
    expect(page.locator("html[data-offline-kept=true]")).to_have_count(1, timeout=KEPT)


def cache_names(page) -> list[str]:
    return page.evaluate("() => caches.keys()")


# Playwright's wait_for_function does not wait for a promise, and a predicate given as an
# expression is run with eval, which the CSP forbids. So each poll starts a read of the cache
# names and judges the names the previous poll read.
CACHES_WHERE = """([wanted, prefix]) => {
    caches.keys().then(names => { window.pitstopCacheNames = names; });
    const names = window.pitstopCacheNames;
    if (!names) { return false; }
    if (wanted === "no pages") { return !names.some(name => name.includes("-pages-")); }
    return names.length > 0 && names.every(name => name.startsWith(prefix));
}"""


# The same for the copy of this page: found once a poll's read of the caches found it.
COPY_OF_THIS_PAGE = """() => {
    caches.match(location.href.split("#")[0], {ignoreVary: true})
        .then(found => { window.pitstopCopyFound = Boolean(found); });
    return window.pitstopCopyFound === true;
}"""


def wait_for_the_copy_of_this_page(page) -> None:
    page.evaluate("() => { window.pitstopCopyFound = undefined; }")
    page.wait_for_function(COPY_OF_THIS_PAGE, timeout=KEPT)


def wait_for_no_kept_pages(page) -> None:
    page.evaluate("() => { window.pitstopCacheNames = undefined; }")
    page.wait_for_function(CACHES_WHERE, arg=["no pages", ""], timeout=KEPT)


def wait_for_only_caches_of(page, version: str) -> None:
    page.evaluate("() => { window.pitstopCacheNames = undefined; }")
    page.wait_for_function(CACHES_WHERE, arg=["only", f"pitstop-{version}-"], timeout=KEPT)


def join_as_guest(context, live_server, session, name: str):
    phone = context.new_page()
    phone.goto(f"{live_server.url}/doe-mee/?code={session.join_code}")
    phone.get_by_role("button", name="Doe mee").click()
    phone.get_by_label("Je voornaam").fill(name)
    phone.get_by_role("button", name="Doe mee als gast").click()
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=LIVE)
    return phone


def write_card(phone, text: str) -> None:
    form = phone.locator("#card-form")
    form.get_by_label("Je kaartje").fill(text)
    form.get_by_role("button", name="Versturen").click()


def back_online(context, page) -> None:
    context.set_offline(False)
    try:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    except PlaywrightError as error:
        # Online again, the page may reload itself first (its poll found a new phase): then it
        # is a fresh page, online from the start, and there is nothing to tell it.
        if "Execution context was destroyed" not in str(error):
            raise


def test_the_session_page_opens_offline_and_cards_written_there_arrive_once_in_order(
    new_context, live_server, place
):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    write_card(phone, "Een: met verbinding")
    expect(phone.locator("#own-card-list")).to_contain_text("Een: met verbinding", timeout=LIVE)

    # Offline, the session page opens from the phone's copy, with its banner and card form.
    context.set_offline(True)
    phone.reload()
    expect(phone.get_by_text(BANNER)).to_be_visible()
    expect(phone.locator("#card-form[data-ready=true]")).to_have_count(1)
    write_card(phone, "Twee: in de kelder")
    expect(phone.locator("#queue-status")).to_contain_text("Nog niet verstuurd", timeout=LIVE)
    # The queue survives another reload without a connection.
    phone.reload()
    expect(phone.get_by_text(BANNER)).to_be_visible()
    write_card(phone, "Drie: nog steeds zonder bereik")
    expect(phone.locator("#queue-status")).to_contain_text("Nog niet verstuurd", timeout=LIVE)
    queue = phone.evaluate(
        "key => JSON.parse(localStorage.getItem(key))", f"pitstop-cards-{session.pk}"
    )
    assert [item["fields"]["text"] for item in queue] == [
        "Twee: in de kelder",
        "Drie: nog steeds zonder bereik",
    ]
    assert Reflection.objects.filter(session=session).count() == 1

    back_online(context, phone)
    expect(phone.locator("#own-card-list")).to_contain_text("Drie", timeout=FOLLOW)
    expect(phone.locator("#queue-status")).to_have_text("Je kaartje is bewaard.")
    # The copy's banner no longer says the phone is offline, and offers the newest version.
    expect(phone.get_by_text(BANNER)).to_be_hidden()
    expect(
        phone.get_by_text(re.compile(r"Je bent weer online\. Dit is nog de pagina van"))
    ).to_be_visible()
    expect(phone.get_by_role("button", name="Laat de nieuwste versie zien")).to_be_visible()
    stored = list(
        Reflection.objects.filter(session=session)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
    )
    assert stored == [
        "Een: met verbinding",
        "Twee: in de kelder",
        "Drie: nog steeds zonder bereik",
    ]
    assert phone.evaluate("key => localStorage.getItem(key)", f"pitstop-cards-{session.pk}") is None

    # On the board, in the order they were written (check-in lines show at once).
    board = new_context(DESKTOP).new_page()
    log_in(board, live_server, "fien", PASSWORD)
    board.goto(f"{live_server.url}/sessie/{session.pk}/bord/")
    for text in stored:
        expect(board.get_by_text(text)).to_be_visible(timeout=LIVE)
    shown = board.locator("main").inner_text()
    assert shown.index(stored[0]) < shown.index(stored[1]) < shown.index(stored[2])


def test_two_phones_going_off_and_on_line_at_random_lose_nothing_and_double_nothing(
    new_context, live_server, place
):
    """The connection drops and returns at random moments (a fixed seed, so a failure can be
    run again), between cards and around reloads: every card is stored once, in each phone's
    order, also when a reload cut a card off after the server had it."""
    session = place.session
    session.open()
    chance = random.Random(21)
    phones = [new_context(PHONE) for _ in range(2)]
    pages = [
        join_as_guest(context, live_server, session, name)
        for context, name in zip(phones, ("Kees", "Mo"), strict=True)
    ]
    for page in pages:
        kept(page)
    written: list[list[str]] = [[], []]
    for step in range(6):
        for index, (context, page) in enumerate(zip(phones, pages, strict=True)):
            context.set_offline(chance.random() < 0.5)
            if chance.random() < 0.3:
                page.reload()
                expect(page.locator("#card-form[data-ready=true]")).to_have_count(1, timeout=LIVE)
            text = f"Telefoon {index + 1}, kaartje {step + 1}"
            write_card(page, text)
            written[index].append(text)
    for context, page in zip(phones, pages, strict=True):
        back_online(context, page)
    for page in pages:
        page.wait_for_function(
            "key => localStorage.getItem(key) === null",
            arg=f"pitstop-cards-{session.pk}",
            timeout=FOLLOW,
        )
    cards = list(
        Reflection.objects.filter(session=session)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
    )
    assert sorted(cards) == sorted(written[0] + written[1])  # each once, none lost
    for texts in written:
        assert [card for card in cards if card in texts] == texts  # in the order written


def test_a_card_written_offline_in_a_phase_that_ended_comes_back_with_the_reason(
    new_context, live_server, place
):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    context.set_offline(True)
    write_card(phone, "Geschreven bij het inchecken")
    expect(phone.locator("#queue-status")).to_contain_text("Nog niet verstuurd", timeout=LIVE)
    session.go_to_phase("reflect")

    back_online(context, phone)
    # Refused (its phase is over); the phone then reloads into the new phase, where the words
    # wait in the form with the reason above it.
    expect(phone.locator("#card-form").get_by_label("Je kaartje")).to_have_value(
        "Geschreven bij het inchecken", timeout=FOLLOW
    )
    expect(phone.locator("#queue-status")).to_contain_text("is nu voorbij", timeout=FOLLOW)
    assert not Reflection.objects.filter(session=session).exists()


def test_words_given_back_on_a_page_without_a_card_form_wait_until_removed(
    new_context, live_server, place
):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    context.set_offline(True)
    write_card(phone, "Te laat voor de sessie")
    session.close()
    back_online(context, phone)
    returned = phone.locator("#returned-cards")
    expect(returned).to_contain_text("Te laat voor de sessie", timeout=FOLLOW)
    expect(phone.get_by_text("Bedankt voor het meedoen!")).to_be_visible(timeout=FOLLOW)
    expect(returned).to_contain_text("Te laat voor de sessie")  # after the reload too
    returned.get_by_role("button", name="Ik heb ze, haal ze van deze telefoon").click()
    expect(returned).to_be_hidden()
    assert not Reflection.objects.filter(session=session).exists()


def test_the_coalition_home_and_my_reflections_open_offline_and_a_reflection_arrives_once(
    page, live_server, place
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    page.goto(f"{live_server.url}{place.home}")
    kept(page)
    page.goto(f"{live_server.url}{place.reflections}")
    kept(page)
    expect(page.locator("#reflection-form[data-ready=true]")).to_have_count(1)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}{place.home}")
    expect(page.get_by_text(BANNER)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zutphen")
    assert not violations(page), "axe on the coalition home with its offline banner"

    page.goto(f"{live_server.url}{place.reflections}")
    expect(page.get_by_text(BANNER)).to_be_visible()
    for text in ("Eerste gedachte in de trein", "Tweede gedachte, nog in de trein"):
        page.get_by_label("Thema").select_option(index=1)
        page.get_by_label("Jouw woorden").fill(text)
        page.get_by_role("button", name="Opslaan").click()
        expect(page.locator("#reflection-status")).to_contain_text("Nog niet verstuurd")
    page.reload()
    expect(page.locator("#reflection-form[data-ready=true]")).to_have_count(1)

    back_online(page.context, page)
    mine = page.locator("#my-reflections")
    expect(mine).to_contain_text("Tweede gedachte, nog in de trein", timeout=FOLLOW)
    expect(page.locator("#reflection-status")).to_have_text(
        "Dank je wel. Je reflectie is opgeslagen."
    )
    stored = list(
        Reflection.objects.filter(coalition=place.coalition, session=None)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
    )
    assert stored == ["Eerste gedachte in de trein", "Tweede gedachte, nog in de trein"]
    # Newest first, as the page lists them.
    listed = mine.inner_text()
    assert listed.index("Tweede") < listed.index("Eerste")


def test_a_page_never_opened_shows_the_offline_page(page, live_server, place):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    kept(page)  # the start page, after log-in
    page.context.set_offline(True)
    response = page.goto(f"{live_server.url}/account/")
    assert response.ok  # not Chromium's own error page
    expect(page.get_by_role("heading", name="Geen verbinding", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.get_by_text("Ingelogd als")).to_have_count(0)  # kept for everyone: no name
    assert not violations(page)


def test_log_out_forgets_the_copies_and_the_next_account_never_sees_them(page, live_server, place):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    page.goto(f"{live_server.url}{place.home}")
    kept(page)
    assert [name for name in cache_names(page) if "-pages-a-" in name]

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile("/inloggen/"))
    wait_for_no_kept_pages(page)

    # Bert, a member of the same coalition, on the same browser: the same address, offline.
    log_in(page, live_server, "bert", PASSWORD)
    kept(page)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}{place.home}")
    expect(page.get_by_role("heading", name="Geen verbinding", level=1)).to_be_visible()
    expect(page.get_by_text("Anna de Vries")).to_have_count(0)


def test_a_copy_on_its_way_when_the_phone_logs_out_is_not_kept(page, live_server, place):
    """The worker has fetched a page for its copy, and a log-out clears the copies before the
    page has reached it. Seen in CI on a busy machine: that copy was stored after the log-out
    and stayed."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    page.goto(f"{live_server.url}{place.reflections}")
    kept(page)
    # A keep message for a page whose copy is still being stored waits for that store instead
    # of fetching: on a busy machine the visit's own copy could still be on its way.
    wait_for_the_copy_of_this_page(page)
    address = re.compile(r"/reflecties/$")
    held = []
    page.context.route(address, lambda route: held.append(route))  # the worker waits here
    # The worker asks for a fresh copy (the one it has is older than `since`). As offline.js
    # tells it: the page may not be under the worker's control yet on a busy machine.
    with page.context.expect_event("request", lambda request: address.search(request.url)):
        page.evaluate(
            """() => { window.keepAsked = navigator.serviceWorker.ready.then(registration =>
                new Promise(done => {
                    const channel = new MessageChannel();
                    channel.port1.onmessage = done;
                    (navigator.serviceWorker.controller || registration.active).postMessage(
                        {type: "keep", url: location.href, since: Date.now() + 1e9},
                        [channel.port2]);
                })); }"""
        )
    # Logged out in another tab: this one stays to hear when the worker is done.
    other = page.context.new_page()
    other.goto(f"{live_server.url}{place.home}")
    kept(other)
    assert len(held) == 1  # the worker's fetch
    answer = held[0].fetch()  # answered while still logged in ...
    other.get_by_role("button", name="Uitloggen").click()
    expect(other.get_by_role("button", name="Inloggen")).to_be_visible()
    wait_for_no_kept_pages(page)
    held[0].fulfill(response=answer)  # ... and reaching the worker after the log-out
    page.evaluate("() => window.keepAsked.then(() => true)")
    assert not [name for name in cache_names(page) if "-pages-" in name]


def test_log_out_while_offline_forgets_the_copies_at_once_and_logs_out_once_online(
    page, live_server, place
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    page.goto(f"{live_server.url}{place.home}")
    kept(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.locator("#offline-status")).to_contain_text(
        "Zodra er weer verbinding is, gaat het vanzelf verder."
    )
    wait_for_no_kept_pages(page)
    page.goto(f"{live_server.url}{place.home}")
    expect(page.get_by_role("heading", name="Geen verbinding", level=1)).to_be_visible()

    # Back online, the next page of that log-in finishes the log-out: the server forgets it.
    # On a busy machine the worker's first tries may still fail (see the test of the offline
    # page shown while online): that page then tries again after 2, 4, 8, 16 s, so the log-out
    # may take longer than Playwright's default 30 s.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}{place.home}")
    try:
        expect(page).to_have_url(re.compile("/inloggen/"), timeout=BACK_ONLINE)
    except AssertionError as error:  # which page stayed: the offline page, or the home page
        raise AssertionError(f"{error}\nshown: {page.locator('h1').all_inner_texts()}") from None
    page.goto(f"{live_server.url}{place.home}")
    page.wait_for_url(re.compile("/inloggen/"))
    assert page.evaluate("() => localStorage.getItem('pitstop-finish-later')") is None

    # A new log-in is another session: a wish left from before does not log it out.
    log_in(page, live_server, "anna", PASSWORD)
    page.evaluate(
        "url => localStorage.setItem('pitstop-finish-later', JSON.stringify("
        "{action: url, viewer: 'account:a-old', at: Date.now()}))",
        f"{live_server.url}/uitloggen/",
    )
    page.goto(f"{live_server.url}{place.home}")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('pitstop-finish-later')") is None


def test_a_session_ended_elsewhere_drops_the_copies_at_the_next_visit(
    new_context, live_server, place
):
    """Log out everywhere from another device: this phone's copies go once it is online again."""
    phone = new_context(PHONE).new_page()
    log_in(phone, live_server, "anna", PASSWORD)
    phone.goto(f"{live_server.url}{place.home}")
    kept(phone)
    laptop = new_context(DESKTOP).new_page()
    log_in(laptop, live_server, "anna", PASSWORD)
    laptop.goto(f"{live_server.url}/account/")
    laptop.get_by_role("button", name="Overal uitloggen").click()
    phone.goto(f"{live_server.url}{place.home}")
    phone.wait_for_url(re.compile("/inloggen/"))
    wait_for_no_kept_pages(phone)


def test_a_phone_that_leaves_the_session_forgets_its_copy(new_context, live_server, place):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    phone.get_by_role("button", name="Stop op deze telefoon").click()
    expect(phone.get_by_text("Deze telefoon doet niet meer mee aan de sessie.")).to_be_visible()
    wait_for_no_kept_pages(phone)
    context.set_offline(True)
    phone.goto(f"{live_server.url}/sessie/{session.pk}/meedoen/")
    expect(phone.get_by_role("heading", name="Geen verbinding", level=1)).to_be_visible()


def test_a_phone_that_leaves_while_offline_forgets_at_once_and_leaves_once_online(
    new_context, live_server, place
):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    context.set_offline(True)
    phone.get_by_role("button", name="Stop op deze telefoon").click()
    expect(phone.locator("#offline-status")).to_contain_text("gaat het vanzelf verder")
    wait_for_no_kept_pages(phone)
    # Still on the page when the connection comes back: the phone leaves the session then.
    back_online(context, phone)
    expect(phone.get_by_text("Deze telefoon doet niet meer mee aan de sessie.")).to_be_visible(
        timeout=FOLLOW
    )
    phone.goto(f"{live_server.url}/sessie/{session.pk}/meedoen/")
    expect(phone.get_by_label("Code")).to_be_visible()  # asked to join again, not let in


def test_installable_the_worker_controls_the_session_page_after_the_first_visit(
    new_context, live_server, place
):
    # A service worker needs a secure context; plain http counts as one on the loopback only.
    assert urlsplit(live_server.url).hostname in ("localhost", "127.0.0.1", "::1")
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    phone.reload()
    assert phone.evaluate("navigator.serviceWorker.controller !== null")
    assert phone.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")

    manifest = phone.evaluate(
        """async () => {
            const link = document.querySelector('link[rel=manifest]');
            const response = await fetch(link.href, {credentials: 'include'});
            return {type: response.headers.get('Content-Type'), data: await response.json()};
        }"""
    )
    assert manifest["type"] == "application/manifest+json"
    data = manifest["data"]
    assert (
        data["name"] == "Pitstop" and data["start_url"] == "/" and data["display"] == "standalone"
    )

    # Without the network: the icons still load, from the worker's cache, at their size.
    context.set_offline(True)
    for size in (192, 512):
        icons = [icon for icon in data["icons"] if icon["sizes"] == f"{size}x{size}"]
        assert {icon["purpose"] for icon in icons} == {"any", "maskable"}
        for icon in icons:
            natural = phone.evaluate(
                """src => new Promise((resolve, reject) => {
                    const image = new Image();
                    image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
                    image.onerror = reject;
                    image.src = src;
                })""",
                icon["src"],
            )
            assert natural == [size, size], icon


def test_a_new_release_deletes_the_old_caches_and_never_serves_an_old_page(
    page, live_server, place, monkeypatch
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    page.goto(f"{live_server.url}{place.home}")
    kept(page)
    page.goto(f"{live_server.url}{place.reflections}")
    kept(page)
    old = offline.release()
    assert all(name.startswith(f"pitstop-{old}-") for name in cache_names(page))

    # The next release: the worker at /sw.js changes, so the phone installs it at its next
    # visit; it takes over, deletes every cache of the old one, and the open page asks for
    # its copy again.
    monkeypatch.setattr(offline, "release", lambda: "0123456789abcdef")
    page.evaluate("document.documentElement.removeAttribute('data-offline-kept')")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    wait_for_only_caches_of(page, "0123456789abcdef")
    kept(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # The coalition home was kept by the old release only: offline, the new worker shows the
    # offline page rather than the old release's copy; the page opened since is there.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}{place.home}")
    expect(page.get_by_role("heading", name="Geen verbinding", level=1)).to_be_visible()
    page.goto(f"{live_server.url}{place.reflections}")
    expect(page.get_by_text(BANNER)).to_be_visible()


def test_the_offline_banner_passes_axe_on_the_session_page(new_context, live_server, place):
    session = place.session
    session.open()
    context = new_context(PHONE)
    phone = join_as_guest(context, live_server, session, "Kees")
    kept(phone)
    context.set_offline(True)
    phone.reload()
    expect(phone.get_by_text(BANNER)).to_be_visible()
    assert not violations(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_offline_page_shown_while_online_tries_again_by_itself(page, live_server, place):
    # The worker's first tries fail (as when the connection is just coming back; seen in CI for
    # more than one try on a busy machine), while the phone says it is online: the offline page
    # asks again by itself, at once and then after 2 s, and the page itself comes.
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "anna", PASSWORD)
    kept(page)
    tries = []

    def first_tries_fail(route):
        tries.append(route.request.url)
        if len(tries) <= 2:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route(re.compile(r"/account/$"), first_tries_fail)
    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_role("heading", name="Mijn account", level=1)).to_be_visible(timeout=LIVE)
    assert len(tries) == 3
    # The count starts again: the next offline page tries at once, not after 4 s.
    assert page.evaluate("() => sessionStorage.getItem('pitstop-offline-retries')") is None
