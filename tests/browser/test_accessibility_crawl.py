"""axe-core on every page a demo role can reach by following links from the home page.

Not a list of paths: each role logs in, follows every link on its pages (breadth first), and
every kind of page it meets (one per URL pattern) is checked at 360 and 1280 px. Any violation,
of any impact, fails, and so does a page wider than the screen (it would scroll sideways).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from .conftest import DESKTOP, PHONE, log_in
from .test_accessibility import violations

# Not pages to read: the admin has its own tests, the rest are files, log-out or language.
SKIP_PREFIXES = ("/beheer/", "/static/", "/media/")
MAX_PAGES_PER_ROLE = 80
# Links to files are not pages: not even fetched (a PDF of the report takes a second to make).
DOWNLOADS = (".pdf", ".docx", ".csv", ".xlsx", ".json", ".ics", ".zip", ".js", ".webmanifest")
# Pages a role must reach by links (so the crawl checks them): the coalition's journey (issue 22)
# from the coalition home for its members and team, from the overview for the coordinator.
JOURNEY = "expeditie/<slug:expedition>/coalitie/<slug:slug>/reis/"
MUST_REACH = {
    "bewoner": {JOURNEY},
    "beroepskracht": {JOURNEY},
    "begeleider": {JOURNEY},
    "coordinator": {JOURNEY},
}


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def links_on(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(urljoin(page.url, href))
        if f"{parts.scheme}://{parts.netloc}" != base or parts.path.startswith(SKIP_PREFIXES):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def crawl(page: Page, base: str, checked_routes: set[str] | None = None) -> dict[str, list[str]]:
    """Visit every page kind reachable from the home page; returns what axe found per page.

    `checked_routes`, when given, is filled with the URL patterns checked.
    """
    found: dict[str, list[str]] = {}
    checked_routes = set() if checked_routes is None else checked_routes
    queue, seen = ["/"], {"/"}
    while queue and len(checked_routes) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        route = route_of(urlsplit(path).path)
        if route is None or route in checked_routes or route.endswith(DOWNLOADS):
            continue
        try:
            response = page.goto(base + path)
        except PlaywrightError:  # a download without a file name's ending: not a page
            continue
        if (
            response is None
            or response.status != 200
            or response.request.redirected_from is not None
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        checked_routes.add(route)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            problems = violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:  # the page scrolls sideways
                problems = [*problems, f"{width} px wide"]
            if problems:
                found[f"{path} at {viewport['width']} px"] = problems
        for link in links_on(page, base):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert len(checked_routes) >= 3, f"the crawl found too little: {checked_routes}"
    return found


@pytest.mark.parametrize(
    "username", ["bewoner", "beroepskracht", "begeleider", "coordinator", "beheerder"]
)
def test_every_page_a_role_reaches_has_no_accessibility_violation(
    page, live_server, demo, username
):
    log_in(page, live_server, username)
    checked: set[str] = set()
    assert crawl(page, live_server.url, checked) == {}
    assert MUST_REACH.get(username, set()) <= checked


@pytest.mark.parametrize("username", ["bewoner", "beroepskracht"])
def test_with_easy_reading_on_no_page_a_member_reaches_has_a_violation(
    page, live_server, demo, username
):
    """Larger letters and more space (issue 21): still nothing for axe, and still no page
    wider than the phone."""
    page.add_init_script("window.localStorage.setItem('pitstop-easy-read', 'on')")
    log_in(page, live_server, username)
    assert page.evaluate("document.documentElement.classList.contains('easy-read')")
    assert crawl(page, live_server.url) == {}


def test_the_log_in_page_has_no_accessibility_violation(page, live_server, demo):
    page.goto(f"{live_server.url}/inloggen/")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert violations(page) == []
