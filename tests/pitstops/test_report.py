"""The report on the page, as a PDF and as a Word file: only quotable words, never a name."""

from __future__ import annotations

import io
import re

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from coalitions.models import Member
from coalitions.services import withdraw_reflection
from pitstops.charts import Bar, bar_chart
from pitstops.models import CompassRating, CompassScore
from tests.factories import AgreementFactory, PitstopFactory, RedThreadFactory, ReflectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECRETS = ["GEHEIM-coalitie", "GEHEIM-begeleiders", "GEHEIM-achtergehouden"]
NAMES = ["Bertha Zonnebloem", "Ans", "Youssef"]


def url(world, name: str, pitstop=None) -> str:
    pitstop = pitstop or world.pitstop
    return reverse(
        f"pitstops:{name}", kwargs={"expedition": world.expedition.slug, "number": pitstop.number}
    )


@pytest.fixture
def rich(world):
    """A published report whose evidence mixes quotable and private words of named people."""
    bertha = Member.objects.create(
        coalition=world.coalition, name="Bertha Zonnebloem", role="resident"
    )
    thread = world.pitstop.red_threads.get()
    thread.title = "Samen op reis"
    thread.text = "We zagen **veel** terugkomen."
    thread.save()
    world.pitstop.introduction = "Een *inleiding* van het team."
    world.pitstop.save()

    def add(text, **kwargs):
        reflection = ReflectionFactory(
            coalition=world.coalition, session=world.session, text=text, **kwargs
        )
        thread.evidence.add(reflection)
        return reflection

    quote = add("Wij lopen samen op, met naam", visibility="quotable", author=bertha)
    add("Zonder naam mag het", visibility="quotable", is_anonymous=True)
    add("GEHEIM-coalitie", visibility="coalition", author=bertha)
    add("GEHEIM-begeleiders", visibility="facilitators", author=bertha)
    add("GEHEIM-achtergehouden", visibility="quotable", author=bertha, is_held_back=True)
    AgreementFactory(
        coalition=world.coalition, origin_session=world.session, lead=bertha, what="Samen koken"
    )
    for member in (bertha, world.resident, world.professional):
        rating = CompassRating.objects.create(session=world.session, member=member, rung="with")
        for theme in world.expedition.themes.all()[:2]:
            CompassScore.objects.create(rating=rating, theme=theme, score=4)
    return quote


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def docx_text(response) -> str:
    document = docx.Document(io.BytesIO(response.content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts.append(document.core_properties.author or "")
    return "\n".join(parts)


def texts_of(client, world) -> dict[str, str]:
    page = client.get(url(world, "report"))
    assert page.status_code == 200
    return {
        "page": page.content.decode(),
        "pdf": pdf_text(client.get(url(world, "report_pdf"))),
        "docx": docx_text(client.get(url(world, "report_docx"))),
    }


@pytest.mark.parametrize("role", ["coordinator", "resident", "facilitator"])
def test_no_private_words_and_no_names_reach_the_page_the_pdf_or_the_docx(
    client_for, world, rich, role
):
    client = client_for(role)
    for kind, text in texts_of(client, world).items():
        flat = " ".join(text.split())
        assert "Wij lopen samen op, met naam" in flat, kind
        assert "Zonder naam mag het" in flat, kind
        assert "Samen op reis" in flat, kind
        assert "Samen koken" in flat, kind
        assert "Apeldoorn" in flat, kind  # the coalition's name may stand with a quote
        for secret in SECRETS:
            assert secret not in flat, (kind, secret)
        for name in NAMES:
            assert not re.search(rf"\b{name}\b", flat), (kind, name)


def test_withdrawn_words_disappear_from_the_report_and_its_exports(client_for, world, rich):
    withdraw_reflection(reflection=rich)
    for kind, text in texts_of(client_for("coordinator"), world).items():
        assert "Wij lopen samen op" not in text, kind
        assert "Zonder naam mag het" in " ".join(text.split()), kind


def test_the_page_shows_markdown_agreements_and_the_compass_chart_with_a_table(
    client_for, world, rich
):
    page = client_for("coordinator").get(url(world, "report")).content.decode()
    assert "<strong>veel</strong>" in page
    assert "<em>inleiding</em>" in page
    assert "led by a resident" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in page
    assert "<caption>The compass per theme</caption>" in page
    assert "4.0" in page  # the average of three answers
    assert "too few answers" in page  # themes nobody rated
    assert 'media="print"' in page


def test_readers_see_only_published_red_threads_and_the_team_sees_drafts_marked(
    client_for, world, rich
):
    RedThreadFactory(pitstop=world.pitstop, title="Nog een concept", status="in_review")
    assert "Nog een concept" not in client_for("coordinator").get(url(world, "report")).text
    client = client_for("facilitator")
    assert "Nog een concept" in client.get(url(world, "report")).text


def test_an_export_of_an_empty_pitstop_gets_a_message(client_for, world):
    empty = PitstopFactory(expedition=world.expedition, number=7)
    client = client_for("facilitator")
    for name in ("report_pdf", "report_docx"):
        response = client.get(url(world, name, empty), follow=True)
        assert response.status_code == 200
        assert "There is nothing to download yet" in response.text


def test_the_chart_escapes_its_labels():
    svg = bar_chart([Bar("<script>", 2.5, "2,5"), Bar("Leeg", None, "—")], maximum=5, title="T&T")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "T&amp;T" in svg
    assert svg.count("<rect") == 4


def test_the_report_page_reads_the_same_number_of_queries_for_more_red_threads(
    client_for, world, rich
):
    client = client_for("coordinator")
    client.get(url(world, "report"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(world, "report")).status_code == 200
        return len(queries)

    few = count()
    for number in range(5):
        thread = RedThreadFactory(
            pitstop=world.pitstop, status="published", title=f"Draad {number}"
        )
        thread.themes.add(*world.expedition.themes.all()[:2])
        thread.evidence.add(
            *(
                ReflectionFactory(
                    coalition=world.coalition, session=world.session, visibility="quotable"
                )
                for _ in range(3)
            )
        )
    assert count() == few
