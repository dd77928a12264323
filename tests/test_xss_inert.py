"""Markup typed into any text field stays text on every page that shows it.

An XSS corpus goes into every field people type (cards, reflections, tamtam, small things,
agreements, guest names, group names, red threads, the report's introduction, help notes);
then every page of the permission matrix is read as each role that may see it, plus the phone's
own page and the board. Each page is parsed: no script carries the payload, no element gets an
event handler or a `javascript:` address from it.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from coalitions.models import HelpRequest, SmallThing, TamtamPost
from pitstops.models import CardGroup, Participant, Reflection
from tests.factories import AgreementFactory, RedThreadFactory, ReflectionFactory
from tests.test_permissions import CASES

from .pitstops.live_helpers import control

pytestmark = pytest.mark.django_db

CORPUS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">klik</a>',
    "' onmouseover='alert(1)",
    "<iframe src=javascript:alert(1)></iframe>",
]
PAYLOAD = " ".join(CORPUS)


class Inspector(HTMLParser):
    """Collects what would run: script bodies, event-handler attributes, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.in_script = tag == "script"
        if tag == "iframe":
            self.problems.append("an iframe")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert(" in value:
                self.problems.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction") and value.startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data) -> None:
        if self.in_script and "alert(" in data:
            self.problems.append(f"script: {data[:60]}")


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.fixture
def poisoned(world):
    """Every typed field of the world holds the corpus."""
    world.session.open()
    theme = world.expedition.themes.first()
    participant = Participant.objects.create(session=world.session, guest_name=PAYLOAD[:60])
    ReflectionFactory(
        coalition=world.coalition,
        session=world.session,
        theme=theme,
        text=PAYLOAD,
        visibility="quotable",
        participant=participant,
    )
    ReflectionFactory(coalition=world.coalition, author=world.resident, theme=theme, text=PAYLOAD)
    CardGroup.objects.create(session=world.session, name=PAYLOAD[:80])
    TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text=PAYLOAD)
    SmallThing.objects.create(
        coalition=world.coalition, text=PAYLOAD[:200], lead=world.resident, added_by=world.resident
    )
    agreement = AgreementFactory(
        coalition=world.coalition, what=PAYLOAD[:200], outcome=PAYLOAD, lead=world.resident
    )
    HelpRequest.objects.create(agreement=agreement, asked_by=world.resident, note=PAYLOAD[:300])
    thread = RedThreadFactory(pitstop=world.pitstop, title=PAYLOAD[:200], text=PAYLOAD)
    thread.evidence.add(*Reflection.objects.filter(text=PAYLOAD, visibility="quotable"))
    RedThreadFactory(pitstop=world.pitstop, title="Concept " + PAYLOAD[:100], status="draft")
    world.pitstop.introduction = PAYLOAD
    world.pitstop.save()
    return world


@pytest.mark.parametrize("role", ["resident", "facilitator", "coordinator", "superuser"])
def test_every_page_shows_typed_markup_as_text(poisoned, role):
    client = Client()
    client.force_login(poisoned.user(role))
    read = 0
    for name, kwargs, _expected in CASES:
        response = client.get(reverse(name, kwargs=kwargs(poisoned)))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        assert problems_in(response.content.decode()) == [], (role, name)
    assert read >= 10


def test_the_phone_and_the_board_show_typed_markup_as_text(poisoned, client):
    from .pitstops.live_helpers import join

    phone = Client()
    join(phone, poisoned.session, guest=PAYLOAD[:60])
    pages = [phone.get(reverse("pitstops:participate", args=[poisoned.session.pk]))]
    client.force_login(poisoned.user("facilitator"))
    control(client, poisoned.session, "go_to", phase="resonance")
    for name in ("pitstops:session_board", "pitstops:session_run", "pitstops:session_summary"):
        pages.append(client.get(reverse(name, args=[poisoned.session.pk])))
    for response in pages:
        assert response.status_code == 200
        assert problems_in(response.content.decode()) == []


def test_the_inspector_can_fail():
    assert problems_in("<p>" + CORPUS[0] + "</p>")
    assert problems_in('<img src=x onerror="alert(1)">')
    assert problems_in('<a href="javascript:alert(1)">x</a>')
    from django.utils.html import escape

    assert problems_in("<p>" + escape(PAYLOAD) + "</p>") == []
