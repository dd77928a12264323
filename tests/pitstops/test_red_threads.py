"""Red threads in the app: write, edit, reorder, delete, evidence, and no lost updates."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from pitstops.models import RedThread
from pitstops.synthesis.markdown import render_markdown
from tests.factories import RedThreadFactory, ReflectionFactory, SessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def round_url(world, name: str) -> str:
    return reverse(
        f"pitstops:{name}",
        kwargs={"expedition": world.expedition.slug, "number": world.pitstop.number},
    )


def thread_url(name: str, thread: RedThread) -> str:
    return reverse(f"pitstops:{name}", kwargs={"pk": thread.pk})


def edit_data(thread: RedThread, **changes) -> dict:
    data = {
        "title": thread.title,
        "text": thread.text,
        "status": thread.status,
        "version": thread.version,
        "themes": [theme.pk for theme in thread.themes.all()],
    }
    data.update(changes)
    return data


def test_create_a_red_thread_with_markdown_and_themes(client_for, world):
    theme = world.expedition.themes.first()
    response = client_for("facilitator").post(
        round_url(world, "red_thread_create"),
        {
            "title": "  Samen  op reis ",
            "text": "Wat **terugkwam**.",
            "status": "draft",
            "themes": [theme.pk],
        },
    )
    thread = RedThread.objects.get(title="Samen op reis")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?thread={thread.pk}")
    assert list(thread.themes.all()) == [theme]
    assert list(world.pitstop.red_threads.order_by("position", "pk"))[-1] == thread  # last
    assert thread.version == 1
    assert "<strong>terugkwam</strong>" in render_markdown(thread.text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "text": "Iets"}, "Give the red thread a title."),
        ({"title": "   ", "text": "Iets"}, "Give the red thread a title."),
        ({"title": "x" * 201, "text": "Iets"}, "at most 200 characters"),
        ({"title": "Titel", "text": ""}, "Write what recurred"),
        ({"title": "Titel", "text": "x" * 10_001}, "at most 10000 characters"),
        ({"title": "Titel", "text": "Hoi <script>alert(1)</script>"}, "HTML is not allowed"),
        ({"title": "Titel", "text": "<b>vet</b>"}, "HTML is not allowed"),
        ({"title": "Titel", "text": "[klik](javascript:alert(1))"}, "Links must start with"),
        ({"title": "Titel", "text": "[klik]( JavaScript:alert(1))"}, "Links must start with"),
    ],
)
def test_bad_red_threads_get_a_clear_message_and_keep_the_text(client_for, world, data, message):
    response = client_for("facilitator").post(
        round_url(world, "red_thread_create"), {"status": "draft", **data}
    )
    assert response.status_code == 200
    assert message in response.text
    assert RedThread.objects.count() == 1  # only the world's own
    if data["text"] and len(data["text"]) < 100:
        assert str(escape(data["text"])) in response.text  # nothing typed is lost


def test_rendering_removes_scripts_and_javascript_links_from_old_texts():
    html = render_markdown("<script>alert(1)</script> [a](javascript:alert(1)) <img src=x>")
    assert "<script" not in html and "javascript:" not in html.split("[a]")[0]
    assert 'href="javascript' not in html and "<img" not in html


def test_edit_saves_and_bumps_the_version(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop)
    response = client_for("facilitator").post(
        thread_url("red_thread_edit", thread), edit_data(thread, title="Nieuw", status="in_review")
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert (thread.title, thread.status, thread.version) == ("Nieuw", "in_review", 2)


def test_two_concurrent_edits_never_lose_an_update(client_for, world):
    """Both opened version 1; the second save gets a conflict page with both texts."""
    thread = RedThreadFactory(pitstop=world.pitstop, text="Begin")
    client = client_for("facilitator")
    first = client.post(thread_url("red_thread_edit", thread), edit_data(thread, text="Van Ans"))
    assert first.status_code == 302
    second = client.post(
        thread_url("red_thread_edit", thread), edit_data(thread, text="Van Youssef")
    )
    assert second.status_code == 409
    assert "Someone saved this red thread first" in second.text
    assert "Van Ans" in second.text and "Van Youssef" in second.text  # both versions shown
    thread.refresh_from_db()
    assert (thread.text, thread.version) == ("Van Ans", 2)  # the first save stands
    # The form on the conflict page carries the new version: saving again is deliberate.
    assert second.context["form"]["version"].value() == "2"
    assert second.context["form"]["text"].value() == "Van Youssef"
    third = client.post(thread_url("red_thread_edit", thread), edit_data(thread, text="Samen"))
    assert third.status_code == 302
    thread.refresh_from_db()
    assert (thread.text, thread.version) == ("Samen", 3)


def test_a_forged_or_missing_version_never_saves(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop, text="Begin")
    client = client_for("facilitator")
    response = client.post(thread_url("red_thread_edit", thread), edit_data(thread, version=""))
    assert response.status_code == 200
    assert "This form is incomplete" in response.text
    response = client.post(thread_url("red_thread_edit", thread), edit_data(thread, version=99))
    assert response.status_code == 409
    thread.refresh_from_db()
    assert thread.text == "Begin"


def test_reorder_moves_one_place(client_for, world):
    first = world.pitstop.red_threads.get()
    second = RedThreadFactory(pitstop=world.pitstop, position=5)
    client = client_for("facilitator")
    client.post(thread_url("red_thread_move", second), {"direction": "up"})
    assert list(world.pitstop.red_threads.order_by("position")) == [second, first]
    response = client.post(thread_url("red_thread_move", second), {"direction": "sideways"})
    assert response.status_code == 302
    assert list(world.pitstop.red_threads.order_by("position")) == [second, first]


def test_only_a_draft_can_be_deleted(client_for, world):
    draft = RedThreadFactory(pitstop=world.pitstop)
    published = world.pitstop.red_threads.get(status="published")
    client = client_for("facilitator")
    client.post(thread_url("red_thread_delete", draft))
    assert not RedThread.objects.filter(pk=draft.pk).exists()
    response = client.post(thread_url("red_thread_delete", published), follow=True)
    assert "Only a draft can be deleted" in response.text
    assert RedThread.objects.filter(pk=published.pk).exists()


def test_evidence_with_one_tap_and_the_coalitions_follow(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop)
    other_session = SessionFactory(pitstop=world.pitstop, coalition=world.other_coalition)
    voorst = ReflectionFactory(coalition=world.other_coalition, session=other_session)
    client = client_for("facilitator")
    response = client.post(
        thread_url("evidence", thread),
        {"reflection": voorst.pk, "action": "add"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Remove from the red thread" in response.text
    assert "<html" not in response.text  # only the button
    client.post(thread_url("evidence", thread), {"reflection": world.card.pk, "action": "add"})
    assert [c.name for c in thread.coalitions()] == ["Apeldoorn", "Voorst"]
    response = client.post(
        thread_url("evidence", thread), {"reflection": voorst.pk, "action": "remove"}
    )
    assert response.status_code == 302
    assert [c.name for c in thread.coalitions()] == ["Apeldoorn"]


def test_evidence_from_another_expedition_is_refused(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop)
    foreign_session = SessionFactory()
    foreign = ReflectionFactory(coalition=foreign_session.coalition, session=foreign_session)
    client = client_for("facilitator")
    response = client.post(
        thread_url("evidence", thread),
        {"reflection": foreign.pk, "action": "add"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "belongs to another expedition, or you may not read it" in response.text
    response = client.post(
        thread_url("evidence", thread), {"reflection": foreign.pk, "action": "add"}, follow=True
    )
    assert "belongs to another expedition" in response.text
    response = client.post(
        thread_url("evidence", thread), {"reflection": "abc", "action": "add"}, follow=True
    )
    assert "Choose a reflection" in response.text
    assert not thread.evidence.exists()


def test_the_workspace_adds_to_the_chosen_red_thread(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop, title="Gekozen draad")
    response = client_for("facilitator").get(round_url(world, "workspace"), {"thread": thread.pk})
    assert response.context["target"] == thread
    assert "Gekozen draad" in response.text
    assert "Add to the red thread" in response.text


def test_the_fallback_form_goes_back_to_the_filtered_workspace(client_for, world):
    thread = RedThreadFactory(pitstop=world.pitstop)
    back = round_url(world, "workspace") + "?kind=question&thread=" + str(thread.pk)
    response = client_for("facilitator").post(
        thread_url("evidence", thread),
        {"reflection": world.card.pk, "action": "add", "next": back},
    )
    assert response["Location"] == back
    response = client_for("facilitator").post(
        thread_url("evidence", thread),
        {"reflection": world.card.pk, "action": "add", "next": "https://evil.example/"},
    )
    assert "evil" not in response["Location"]


@pytest.mark.parametrize("role", ["resident", "professional", "outsider", "coordinator"])
def test_members_and_coordinators_cannot_change_red_threads(client_for, world, role):
    thread = RedThreadFactory(pitstop=world.pitstop, title="Blijft")
    client = client_for(role)
    assert (
        client.post(
            thread_url("red_thread_edit", thread), edit_data(thread, title="Weg")
        ).status_code
        == 404
    )
    assert client.post(thread_url("red_thread_delete", thread)).status_code == 404
    assert (
        client.post(
            thread_url("evidence", thread), {"reflection": world.card.pk, "action": "add"}
        ).status_code
        == 404
    )
    assert client.post(round_url(world, "publish")).status_code == 404
    thread.refresh_from_db()
    assert thread.title == "Blijft" and not thread.evidence.exists()


def test_the_refusal_is_in_dutch_by_default(client_for, world):
    client = client_for("facilitator")
    client.cookies["django_language"] = "nl"
    response = client.post(
        round_url(world, "red_thread_create"), {"title": "", "text": "<b>x</b>", "status": "draft"}
    )
    assert "Geef de rode draad een titel." in response.text
    assert "HTML mag hier niet." in response.text


def test_a_save_elsewhere_also_makes_an_open_editor_stale(client_for, world):
    """The admin saves through the model: the version moves on, so the app's editor conflicts."""
    thread = RedThreadFactory(pitstop=world.pitstop, text="Begin")
    opened = edit_data(thread, text="Uit de app")
    thread.text = "Uit de beheeromgeving"
    thread.save()
    response = client_for("facilitator").post(thread_url("red_thread_edit", thread), opened)
    assert response.status_code == 409
    thread.refresh_from_db()
    assert thread.text == "Uit de beheeromgeving"
