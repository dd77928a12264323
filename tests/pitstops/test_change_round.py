"""The round "Stories of change" (most significant change), through real HTTP: the facilitator
adds it, phones write stories that wait for the reveal, each phone marks one, the facilitator
notes the group's story and why; the workspace and the report show it as consent allows."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from pitstops import live as live_rules
from pitstops.models import Participant, Reflection, ResonanceMark, Session
from pitstops.models.sessions import default_phases
from pitstops.synthesis.report import build_report
from tests.factories import SessionFactory

from .live_helpers import control, join, post_card

BEFORE = ["check_in", "reflect", "share", "resonance", "agreements", "compass", "close"]


@pytest.fixture
def live(world, client):
    """An opened session with the round added, in the change phase; a facilitator's client
    (reading English, so the assertions read the source strings)."""
    client.force_login(world.user("facilitator"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert control(client, world.session, "add_change_round").status_code == 302
    assert control(client, world.session, "open").status_code == 302
    assert control(client, world.session, "go_to", phase="change").status_code == 302
    world.session.refresh_from_db()
    return world.session


def phone_writes(session, name: str, text: str, **fields) -> Client:
    phone = Client()
    phone.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    join(phone, session, guest=name)
    assert post_card(phone, session, text, **fields).json()["ok"]
    return phone


def mark(phone: Client, session, story) -> object:
    return phone.post(reverse("pitstops:mark", args=[session.pk, story.pk]))


def choose(client: Client, session, story, why: str = "Het laat zien dat we samen werken"):
    return client.post(
        reverse("pitstops:story_choose", args=[session.pk]),
        {"story": story.pk if story else "", "why": why},
    )


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_default_phases_stay_as_they_were_and_an_existing_session_gets_no_round(world):
    assert default_phases() == BEFORE
    assert Session.objects.get(pk=world.session.pk).phases == BEFORE
    assert not world.session.has_change_round
    assert "change" not in SessionFactory(pitstop=world.draft_pitstop).phases


def test_preparing_a_session_with_the_round_puts_it_after_the_check_in(world, client):
    client.force_login(world.user("facilitator"))
    url = reverse("pitstops:session_create", args=[world.expedition.slug])
    assert "Stories of change" in client.get(url, headers={"Accept-Language": "en"}).text
    data = {"pitstop": world.draft_pitstop.pk, "held_on": "2027-02-03"}
    client.post(url, {**data, "coalition": world.coalition.pk, "with_change_round": "on"})
    client.post(url, {**data, "coalition": world.other_coalition.pk})
    with_round = Session.objects.get(pitstop=world.draft_pitstop, coalition=world.coalition)
    without = Session.objects.get(pitstop=world.draft_pitstop, coalition=world.other_coalition)
    assert with_round.phases == ["check_in", "change", *BEFORE[1:]]
    assert without.phases == BEFORE


def test_the_run_page_adds_the_round_once_and_never_to_a_closed_session(world, client):
    client.force_login(world.user("facilitator"))
    control(client, world.session, "add_change_round")
    control(client, world.session, "add_change_round")
    world.session.refresh_from_db()
    assert world.session.phases == ["check_in", "change", *BEFORE[1:]]
    other = SessionFactory(pitstop=world.draft_pitstop, coalition=world.other_coalition)
    other.facilitators.add(world.user("facilitator"))
    other.close()
    response = control(client, other, "add_change_round")
    assert response.status_code == 302
    other.refresh_from_db()
    assert "change" not in other.phases


def test_stories_wait_for_the_reveal_then_each_phone_marks_one_and_the_group_chooses(
    live, client, world
):
    ans = phone_writes(live, "Ans", "Ik ken nu mijn buren", visibility="quotable")
    kees = phone_writes(live, "Kees", "De wijkagent komt nu langs", is_anonymous="on")
    mila = phone_writes(live, "Mila", "Ik durf nu te vragen", visibility="coalition")
    stories = {story.text: story for story in live.reflections.filter(phase="change")}
    assert len(stories) == 3
    assert all(story.theme_id is None and story.revealed_at is None for story in stories.values())
    assert stories["De wijkagent komt nu langs"].participant is None  # anonymous: no one
    # Nobody is swayed while writing: another phone does not see the story yet.
    page = kees.get(reverse("pitstops:participate", args=[live.pk]))
    assert "Ik ken nu mijn buren" not in page.text
    assert "What has changed for you since the last pitstop?" in page.text
    assert "The stories are shown when the facilitator shows them all at once." in page.text
    # Among the phone's own cards a story says what it is; it has no kind of card to show.
    own = ans.get(reverse("pitstops:participate", args=[live.pk])).text
    assert "story of change · may be quoted anonymously" in own
    assert "observation · may be quoted" not in own
    # Marking before the reveal: refused.
    assert mark(kees, live, stories["Ik ken nu mijn buren"]).status_code == 302
    assert not ResonanceMark.objects.exists()

    control(client, live, "reveal")
    page = kees.get(reverse("pitstops:participate", args=[live.pk]))
    assert "Ik ken nu mijn buren" in page.text and "Ik durf nu te vragen" in page.text
    for phone in (ans, kees, mila):
        mark(phone, live, stories["Ik ken nu mijn buren"])
    assert stories["Ik ken nu mijn buren"].marks.count() == 3
    # A second mark is refused with a clear message; taking one back frees it.
    response = mark(ans, live, stories["Ik durf nu te vragen"])
    assert "You marked a story already" in messages_of(ans.get(response["Location"]))
    assert stories["Ik durf nu te vragen"].marks.count() == 0
    mark(ans, live, stories["Ik ken nu mijn buren"])
    mark(ans, live, stories["Ik durf nu te vragen"])
    assert stories["Ik durf nu te vragen"].marks.count() == 1

    run = client.get(reverse("pitstops:session_run", args=[live.pk]))
    assert run.status_code == 200 and "2 marks" in run.text and "1 mark" in run.text
    assert choose(client, live, stories["Ik ken nu mijn buren"]).status_code == 302
    live.refresh_from_db()
    assert live.chosen_story == stories["Ik ken nu mijn buren"]
    assert live.chosen_story_why == "Het laat zien dat we samen werken"
    board = client.get(reverse("pitstops:session_board", args=[live.pk]))
    assert "Het laat zien dat we samen werken" in board.text
    # Every screen calls a story a story, never the kind of card it did not choose.
    for page in (run, board):
        assert page.text.count("story of change</span>") == len(stories), page


def test_the_story_mark_and_the_resonance_marks_do_not_count_against_each_other(live, client):
    phone = phone_writes(live, "Ans", "Ik ken nu mijn buren")
    control(client, live, "reveal")
    story = live.reflections.get(phase="change")
    mark(phone, live, story)
    participant = Participant.objects.get(session=live)
    for number in range(3):
        Reflection.objects.create(
            coalition=live.coalition,
            session=live,
            theme=live.themes.first(),
            text=f"Kaart {number}",
            phase="reflect",
            revealed_at=live.opened_at,
        )
    control(client, live, "go_to", phase="resonance")
    cards = live.reflections.filter(phase="reflect", revealed_at__isnull=False)
    for card in cards[:3]:
        mark(phone, live, card)
    assert ResonanceMark.objects.filter(participant=participant).count() == 4
    # In the resonance phase a story cannot be marked (nor taken back).
    mark(phone, live, story)
    assert story.marks.count() == 1


def test_bad_input_gets_a_message_and_changes_nothing(live, client, world, other_world):
    phone = phone_writes(live, "Ans", "Ik ken nu mijn buren", visibility="quotable")
    story = live.reflections.get(phase="change")
    # Choosing before the group saw it; an empty why; a story of another session.
    assert choose(client, live, story).status_code == 302
    control(client, live, "reveal")
    for why in ("", "   "):
        response = choose(client, live, story, why=why)
        assert response.status_code == 302
    assert choose(client, live, other_world.card).status_code == 302
    assert choose(client, live, None).status_code == 302
    assert choose(client, live, story, why="x" * 2001).status_code == 302
    live.refresh_from_db()
    assert live.chosen_story is None and live.chosen_story_why == ""
    # A card of the reflect phase cannot be marked in the change phase, nor a story elsewhere.
    mark(phone, live, world.card)
    assert not world.card.marks.exists()
    # Choosing in another phase: refused.
    control(client, live, "go_to", phase="reflect")
    choose(client, live, story)
    live.refresh_from_db()
    assert live.chosen_story is None
    # Marking a story outside the change phase: refused.
    mark(phone, live, story)
    assert not story.marks.exists()
    # A GET changes nothing.
    assert client.get(reverse("pitstops:story_choose", args=[live.pk])).status_code == 405


def test_bad_input_messages_are_clear(live, client, other_world):
    phone_writes(live, "Ans", "Ik ken nu mijn buren")
    story = live.reflections.get(phase="change")
    said = messages_of(client.get(choose(client, live, story)["Location"]))
    assert "not one of the stories this group has seen" in said
    control(client, live, "reveal")
    said = messages_of(client.get(choose(client, live, story, why=" ")["Location"]))
    assert "Write down why the group chose this story." in said
    said = messages_of(client.get(choose(client, live, other_world.card)["Location"]))
    assert "not one of the stories this group has seen" in said


def test_a_second_mark_gets_a_clear_message(live, client):
    first = phone_writes(live, "Ans", "Een")
    phone_writes(live, "Kees", "Twee")
    control(client, live, "reveal")
    one, two = live.reflections.filter(phase="change").order_by("pk")
    mark(first, live, one)
    response = first.post(
        reverse("pitstops:mark", args=[live.pk, two.pk]), headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "You marked a story already" in response.json()["error"]
    assert two.marks.count() == 0


def test_the_facilitator_types_a_story_for_someone_with_their_choices(live, client, world):
    url = reverse("pitstops:scribe", args=[live.pk])
    client.post(
        url,
        {
            "text": "Mijn buurvrouw belt nu aan",
            "kind": "observation",
            "member": world.resident.pk,
            "visibility": "quotable",
            "is_anonymous": "on",
        },
    )
    story = live.reflections.get(text="Mijn buurvrouw belt nu aan")
    assert story.phase == "change" and story.theme_id is None
    assert story.revealed_at is None  # with the others, at the reveal
    assert story.visibility == "quotable" and story.author is None and story.is_anonymous
    assert story.author_role == world.resident.role


def test_a_round_without_stories_says_so(live, client):
    run = client.get(reverse("pitstops:session_run", args=[live.pk]))
    assert "No stories yet." in run.text
    assert "No story has been shown to the group yet." in run.text
    report = build_report(live.pitstop, with_drafts=True)
    assert report.stories.held == 1 and not report.stories.stories
    page = client.get(live.pitstop.get_absolute_url())
    assert "Stories of change" in page.text
    assert "No chosen story of this round may be quoted in the report." in page.text


def chosen_round(live, client, *, visibility: str, text: str) -> Reflection:
    phone_writes(live, "Ans", text, visibility=visibility)
    control(client, live, "reveal")
    story = live.reflections.get(text=text)
    choose(client, live, story, why="Omdat het over vertrouwen gaat")
    return story


def test_a_quotable_chosen_story_is_in_the_workspace_and_every_form_of_the_report(live, client):
    chosen_round(live, client, visibility="quotable", text="Ik ken nu mijn buren")
    kwargs = {"expedition": live.pitstop.expedition.slug, "number": live.pitstop.number}
    workspace = client.get(reverse("pitstops:workspace", kwargs=kwargs))
    assert "Ik ken nu mijn buren" in workspace.text
    assert "Omdat het over vertrouwen gaat" in workspace.text
    assert "in the report" in workspace.text
    assert "story of change</span>" in workspace.text
    for name in ("pitstops:report", "pitstops:report_short"):
        page = client.get(reverse(name, kwargs=kwargs))
        assert "Ik ken nu mijn buren" in page.text, name
        assert "Omdat het over vertrouwen gaat" in page.text, name
        assert "Ans" not in page.text.split("Stories of change", 1)[1], name
    for name in ("pitstops:report_docx", "pitstops:report_short_docx"):
        document = Document(io.BytesIO(client.get(reverse(name, kwargs=kwargs)).content))
        text = "\n".join(paragraph.text for paragraph in document.paragraphs)
        assert "Ik ken nu mijn buren" in text and "Omdat het over vertrouwen gaat" in text, name
        assert "Stories of change" in text


def test_a_chosen_story_that_may_not_be_quoted_stays_out_of_the_report(live, client, world):
    chosen_round(live, client, visibility="coalition", text="Alleen voor ons")
    kwargs = {"expedition": live.pitstop.expedition.slug, "number": live.pitstop.number}
    workspace = client.get(reverse("pitstops:workspace", kwargs=kwargs))
    assert "Alleen voor ons" in workspace.text
    assert "may not be quoted: stays out of the report" in workspace.text
    for name in ("pitstops:report", "pitstops:report_short", "pitstops:report_docx"):
        response = client.get(reverse(name, kwargs=kwargs))
        assert b"Alleen voor ons" not in response.content, name
        assert b"Omdat het over vertrouwen gaat" not in response.content, name
    coordinator = Client()
    coordinator.force_login(world.user("coordinator"))
    page = coordinator.get(reverse("pitstops:report", kwargs=kwargs))
    assert page.status_code == 200 and "Alleen voor ons" not in page.text


def test_a_story_held_back_after_it_was_chosen_leaves_the_report(live, client):
    story = chosen_round(live, client, visibility="quotable", text="Ik ken nu mijn buren")
    live_rules.hold_back(live, story, held_back=True)
    assert not build_report(live.pitstop, with_drafts=True).stories.stories


def test_coordinators_see_a_chosen_story_only_in_a_published_report(live, client, world):
    chosen_round(live, client, visibility="quotable", text="Ik ken nu mijn buren")
    coordinator = Client()
    coordinator.force_login(world.user("coordinator"))
    kwargs = {"expedition": live.pitstop.expedition.slug, "number": live.pitstop.number}
    assert "Ik ken nu mijn buren" in coordinator.get(reverse("pitstops:report", kwargs=kwargs)).text
    assert coordinator.get(reverse("pitstops:workspace", kwargs=kwargs)).status_code == 404
    live.pitstop.report_published_at = None
    live.pitstop.save(update_fields=["report_published_at"])
    assert coordinator.get(reverse("pitstops:report", kwargs=kwargs)).status_code == 404


def fill_stories(session, count: int) -> None:
    participant, _ = Participant.objects.get_or_create(session=session, guest_name="Kees")
    existing = session.reflections.filter(phase="change").count()
    made = Reflection.objects.bulk_create(
        Reflection(
            coalition=session.coalition,
            session=session,
            participant=participant,
            text=f"Verhaal {number}",
            phase="change",
            revealed_at=session.opened_at,
        )
        for number in range(existing, count)
    )
    ResonanceMark.objects.bulk_create(
        ResonanceMark(participant=participant, reflection=story) for story in made[:1]
    )
    session.touch(cards=made)  # as a real change: every screen's next poll renders anew


def run_page_queries(client, session, count: int) -> int:
    fill_stories(session, count)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("pitstops:session_run", args=[session.pk]), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert response.text.count("live-card") >= count
    return len(queries)


def phone_poll_queries(phone, session, count: int) -> int:
    fill_stories(session, count)
    with CaptureQueriesContext(connection) as queries:
        response = phone.get(
            reverse("pitstops:participate", args=[session.pk]),
            {"state": "change-open"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert response.text.count("live-card") >= count
    return len(queries)


def test_the_run_page_and_a_phone_poll_cost_the_same_queries_at_5_and_80_stories(live, client):
    at_5 = run_page_queries(client, live, 5)
    at_80 = run_page_queries(client, live, 80)
    assert at_5 == at_80
    phone = Client()
    join(phone, live, guest="Mila")
    at_5 = phone_poll_queries(phone, live, 5)
    at_80 = phone_poll_queries(phone, live, 80)
    assert at_5 == at_80


def test_the_journey_shows_the_chosen_story_to_the_coalition_and_to_coordinators_if_quotable(
    live, client, world
):
    chosen_round(live, client, visibility="coalition", text="Alleen voor ons")
    url = reverse(
        "pitstops:journey",
        kwargs={"expedition": world.expedition.slug, "slug": live.coalition.slug},
    )
    member = Client()
    member.force_login(world.user("resident"))
    page = member.get(url)
    assert "Alleen voor ons" in page.text and "Omdat het over vertrouwen gaat" in page.text
    coordinator = Client()
    coordinator.force_login(world.user("coordinator"))
    assert "Alleen voor ons" not in coordinator.get(url).text
    story = live.reflections.get(text="Alleen voor ons")
    story.visibility = "quotable"
    story.save()
    assert "Alleen voor ons" in coordinator.get(url).text
