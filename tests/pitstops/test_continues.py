"""A red thread that continues one of an earlier pitstop: chosen by the team, said in the report."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse

from pitstops.models import RedThread
from tests.factories import PitstopFactory, RedThreadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LINE = "Continues “Samen op reis” from pitstop 1."


@pytest.fixture
def earlier(world):
    """The world's published red thread of pitstop 1, with a title to look for."""
    thread = world.pitstop.red_threads.get()
    thread.title = "Samen op reis"
    thread.save()
    return thread


def create_url(pitstop) -> str:
    return reverse(
        "pitstops:red_thread_create",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number},
    )


def edit_url(thread) -> str:
    return reverse("pitstops:red_thread_edit", kwargs={"pk": thread.pk})


def new_thread(**changes) -> dict:
    return {"title": "Nog steeds samen", "text": "Wat terugkwam.", "status": "draft", **changes}


def report_url(pitstop, name: str = "report") -> str:
    return reverse(
        f"pitstops:{name}",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number},
    )


def test_the_form_offers_only_red_threads_of_earlier_pitstops(client_for, world, other_world):
    later = RedThreadFactory(pitstop=world.draft_pitstop, title="Later")
    PitstopFactory(expedition=world.expedition, number=3)
    client = client_for("facilitator")
    page = client.get(create_url(world.draft_pitstop))
    field = page.context["form"]["continues"]
    labels = [label for _value, label in field.field.choices]
    earlier = world.pitstop.red_threads.get()
    assert labels == ["No, it is new in this round", f"{earlier.title} (pitstop 1)"]
    assert "Continues the red thread" in page.text
    assert later.title not in labels
    # The first pitstop has nothing to continue: no empty choice to puzzle over.
    first = client.get(create_url(world.pitstop))
    assert first.context["form"]["continues"].is_hidden


def test_create_and_edit_save_the_link_through_the_versioned_save(client_for, world, earlier):
    client = client_for("facilitator")
    response = client.post(create_url(world.draft_pitstop), new_thread(continues=earlier.pk))
    assert response.status_code == 302
    thread = RedThread.objects.get(title="Nog steeds samen")
    assert thread.continues == earlier

    data = new_thread(continues="", version=thread.version)
    assert client.post(edit_url(thread), data).status_code == 302
    thread.refresh_from_db()
    assert (thread.continues, thread.version) == (None, 2)
    # An edit from the old version is a conflict, and does not set the link either.
    stale = client.post(edit_url(thread), {**data, "continues": earlier.pk, "version": 1})
    assert stale.status_code == 409
    thread.refresh_from_db()
    assert thread.continues is None


@pytest.mark.parametrize("which", ["foreign", "same", "later", "nonsense"])
def test_a_crafted_choice_gets_a_form_error_and_saves_nothing(
    client_for, world, other_world, which
):
    same = RedThreadFactory(pitstop=world.draft_pitstop, title="Zelfde ronde")
    later_pitstop = PitstopFactory(expedition=world.expedition, number=3)
    choice = {
        "foreign": lambda: other_world.pitstop.red_threads.get().pk,
        "same": lambda: same.pk,
        "later": lambda: RedThreadFactory(pitstop=later_pitstop).pk,
        "nonsense": lambda: "abc",
    }[which]()
    client = client_for("facilitator")

    created = client.post(create_url(world.draft_pitstop), new_thread(continues=choice))
    assert created.status_code == 200
    assert "Choose a red thread of an earlier pitstop of this expedition." in created.text
    assert not RedThread.objects.filter(title="Nog steeds samen").exists()

    edited = client.post(
        edit_url(same), new_thread(title="Anders", continues=choice, version=same.version)
    )
    assert edited.status_code == 200
    assert "Choose a red thread of an earlier pitstop of this expedition." in edited.text
    same.refresh_from_db()
    assert (same.title, same.continues) == ("Zelfde ronde", None)


def test_the_first_pitstop_refuses_a_crafted_choice_visibly(client_for, world, other_world):
    response = client_for("facilitator").post(
        create_url(world.pitstop), new_thread(continues=other_world.pitstop.red_threads.get().pk)
    )
    assert response.status_code == 200
    assert "Choose a red thread of an earlier pitstop" in response.text


def test_the_services_refuse_a_link_to_another_expedition_too(world, other_world):
    from django.core.exceptions import ValidationError

    from pitstops.synthesis.services import create_red_thread

    with pytest.raises(ValidationError):
        create_red_thread(
            pitstop=world.draft_pitstop,
            title="T",
            text="T",
            status="draft",
            themes=[],
            continues=other_world.pitstop.red_threads.get(),
        )


def published_continuation(world, earlier) -> RedThread:
    thread = RedThreadFactory(
        pitstop=world.draft_pitstop, title="Nog steeds samen", status="published", continues=earlier
    )
    world.draft_pitstop.report_published_at = world.pitstop.report_published_at
    world.draft_pitstop.save()
    return thread


def test_the_report_and_the_word_file_say_what_it_continues(client_for, world, earlier):
    published_continuation(world, earlier)
    client = client_for("coordinator")
    page = client.get(report_url(world.draft_pitstop))
    assert LINE in page.text
    word = client.get(report_url(world.draft_pitstop, "report_docx"))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
    assert LINE in paragraphs


def test_only_the_title_of_the_earlier_red_thread_is_shown_never_its_evidence(
    client_for, world, earlier
):
    published_continuation(world, earlier)
    page = client_for("coordinator").get(report_url(world.draft_pitstop)).text
    assert LINE in page
    assert world.card.text not in page  # the earlier round's quote stays in that round


def test_an_earlier_draft_is_named_to_the_team_only(client_for, world, earlier):
    published_continuation(world, earlier)
    earlier.status = RedThread.Status.DRAFT
    earlier.save()
    assert LINE in client_for("facilitator").get(report_url(world.draft_pitstop)).text
    assert LINE not in client_for("coordinator").get(report_url(world.draft_pitstop)).text


def test_the_coordinators_overview_names_only_a_published_earlier_red_thread(
    client_for, world, earlier
):
    published_continuation(world, earlier)
    client = client_for("coordinator")
    overview = reverse("pitstops:overview", kwargs={"expedition": world.expedition.slug})
    page = client.get(overview, {"pitstop": world.draft_pitstop.number})
    assert "Nog steeds samen" in page.text
    assert LINE in page.text
    earlier.status = RedThread.Status.IN_REVIEW
    earlier.save()
    page = client.get(overview, {"pitstop": world.draft_pitstop.number})
    assert "Nog steeds samen" in page.text
    assert "Continues" not in page.text and "Samen op reis" not in page.text
