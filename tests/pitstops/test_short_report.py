"""The short report for members: plain Dutch, the same quotes and agreements, page, PDF, Word."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from coalitions.demo import build_demo
from coalitions.models import Member
from pitstops.models import Pitstop
from pitstops.synthesis.readability import EASY, flesch_douma, sentences, syllables
from tests.pitstops.test_report import NAMES, SECRETS, docx_text, pdf_text, rich, url

pytestmark = pytest.mark.django_db

__all__ = ["rich"]  # the fixture, shared with the whole report's tests


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("huis", 1),
        ("mooi", 1),
        ("nieuw", 1),
        ("kopje", 2),
        ("ruimte", 2),
        ("gemeente", 3),
        ("eenzaamheid", 3),
        ("samenwerking", 4),
        ("coördinator", 5),
        ("geïnteresseerd", 5),
        ("participatieladder", 7),
    ],
)
def test_syllables_of_dutch_words(word, count):
    assert syllables(word) == count


def test_plain_dutch_scores_high_and_officialese_low():
    plain = "We koken samen. Iedereen mag mee eten. Het is gratis. Kom je ook?"
    officialese = (
        "De implementatie van participatieve beleidsinstrumenten vereist een integrale "
        "benadering waarbij maatschappelijke organisaties gezamenlijk verantwoordelijkheid "
        "nemen voor de realisatie van de geformuleerde doelstellingen."
    )
    assert flesch_douma(plain) > 90
    assert flesch_douma(officialese) < 0
    assert flesch_douma("") is None and flesch_douma("123 !") is None
    assert len(sentences("Eén. Twee: drie!\nVier")) == 4


class _Text(HTMLParser):
    """The words a reader sees in <main>: no scripts, no hidden labels."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main" or self.depth:
            self.depth += 1
        if tag in ("h1", "h2", "h3", "li", "p", "blockquote", "figcaption") and self.depth:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def main_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


def test_the_demo_short_report_reads_easily_as_a_member_sees_it(client):
    """Flesch-Douma over the rendered page's text, headings, quotes and agreements included."""
    expedition = build_demo()
    pitstop = Pitstop.objects.get(expedition=expedition, number=1)
    member = Member.objects.get(user__username="bewoner")
    client.force_login(member.user)
    with translation.override("nl"):
        response = client.get(
            reverse("pitstops:report_short", args=[expedition.slug, pitstop.number]),
            headers={"accept-language": "nl"},
        )
    assert response.status_code == 200
    text = main_text(response.content.decode())
    assert pitstop.plain_introduction[:40] in text
    assert "Wat we hoorden" in text and "Wat we gaan doen" in text
    score = flesch_douma(text)
    assert score is not None and score >= EASY, f"Flesch-Douma {score:.1f}"
    # The whole report, with the team's analysis, is allowed to be harder: it is another register.
    full = main_text(
        client.get(reverse("pitstops:report", args=[expedition.slug, pitstop.number])).text
    )
    assert len(full) > len(text)


@pytest.mark.usefixtures("english")
def test_the_short_report_has_the_same_quotes_and_agreements_and_never_a_name(
    client_for, world, rich
):
    world.pitstop.plain_introduction = "Kort en *gewoon*."
    world.pitstop.save()
    client = client_for("resident")
    page = client.get(url(world, "report_short")).content.decode()
    full = client.get(url(world, "report")).content.decode()
    for words in ("Wij lopen samen op, met naam", "Zonder naam mag het", "Samen koken"):
        assert words in page and words in full
    assert "Kort en <em>gewoon</em>." in page
    assert "Een <em>inleiding</em> van het team." not in page  # the full one's introduction
    assert "We zagen" not in page  # the team's longer analysis stays in the full report
    assert "What we heard" in page and "What we will do" in page
    # An agreement typed without a full stop ends as a sentence before who leads it.
    assert "Samen koken. A resident leads it." in page
    for secret in SECRETS + NAMES:
        assert secret not in page
    assert url(world, "report_short") in full  # the whole report links to the short one


@pytest.mark.usefixtures("english")
def test_the_short_report_as_pdf_and_word_file(client_for, world, rich):
    world.pitstop.plain_introduction = "Kort en gewoon."
    world.pitstop.save()
    client = client_for("resident")
    pdf = client.get(url(world, "report_short_pdf"))
    word = client.get(url(world, "report_short_docx"))
    assert "-kort.pdf" in pdf["Content-Disposition"]
    assert "-kort.docx" in word["Content-Disposition"]
    for text in (pdf_text(pdf), docx_text(word)):
        assert "the short version" in text
        assert "Kort en gewoon." in text
        assert "Wij lopen samen op, met naam" in text and "Samen koken. A resident" in text
        assert "out of 5." in text and "What we will do" in text
        for secret in SECRETS + NAMES:
            assert secret not in text


@pytest.mark.usefixtures("english")
def test_an_empty_short_report_sends_the_team_back_with_a_message(client_for, world):
    world.pitstop.red_threads.all().delete()
    client = client_for("facilitator")
    response = client.get(url(world, "report_short_pdf"), follow=True)
    assert response.redirect_chain
    assert "nothing to download yet" in response.content.decode()


@pytest.mark.usefixtures("english")
def test_the_facilitator_writes_the_short_introduction_and_hears_how_easy_it_reads(
    client_for, world
):
    client = client_for("facilitator")
    response = client.post(
        url(world, "introduction"),
        {"introduction": "Het begin.", "plain_introduction": "We praten samen. Dat is fijn."},
        follow=True,
    )
    world.pitstop.refresh_from_db()
    assert world.pitstop.plain_introduction == "We praten samen. Dat is fijn."
    assert "reads easily" in response.content.decode()
    response = client.post(
        url(world, "introduction"),
        {
            "introduction": "Het begin.",
            "plain_introduction": "Participatieve beleidsimplementatie vereist integrale "
            "samenwerkingsverbanden tussen maatschappelijke organisaties.",
        },
        follow=True,
    )
    assert "still hard to read" in response.content.decode()
    response = client.post(
        url(world, "introduction"), {"introduction": "", "plain_introduction": "x" * 10_001}
    )
    assert response.status_code == 200  # the form again, with the message; nothing saved
    world.pitstop.refresh_from_db()
    assert world.pitstop.introduction == "Het begin."
