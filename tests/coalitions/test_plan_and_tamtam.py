"""The plan of small things and the tamtam, through the real test client."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from coalitions.models import Member, SmallThing, TamtamPost
from coalitions.models.space import find_mentions
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def url(world, name: str, **kwargs) -> str:
    return reverse(
        f"coalitions:{name}",
        kwargs={"expedition": world.expedition.slug, "slug": world.coalition.slug, **kwargs},
    )


def plan(**fields) -> dict:
    """The small-thing form's data, with its prefix; `from` is the form's own hidden field."""
    return {(key if key == "from" else f"plan-{key}"): value for key, value in fields.items()}


# The plan of small things ---------------------------------------------------------------------


def test_a_resident_adds_a_small_success_and_returns_home(client_for, world):
    response = client_for("resident").post(
        url(world, "small_things"),
        plan(
            kind="success", text="Buurman groette terug", lead=world.resident.pk, **{"from": "home"}
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == world.coalition.get_absolute_url() + "#plan"
    thing = SmallThing.objects.get()
    assert (thing.kind, thing.lead, thing.added_by) == ("success", world.resident, world.resident)


def test_a_professional_may_add_one_that_a_resident_leads(client_for, world):
    client_for("professional").post(
        url(world, "small_things"),
        plan(kind="action", text="Soep koken", lead=world.resident.pk),
    )
    thing = SmallThing.objects.get()
    assert thing.lead == world.resident and thing.added_by == world.professional


def test_adding_with_htmx_returns_the_plan_part(client_for, world):
    response = client_for("resident").post(
        url(world, "small_things"),
        plan(kind="action", text="Stoep vegen", lead=world.resident.pk, **{"from": "home"}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Stoep vegen" in response.text
    assert 'id="plan-status" hx-swap-oob="innerHTML"' in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "action", "text": ""}, "This field is required."),
        ({"kind": "action", "text": "x" * 201}, "at most 200 characters"),
        ({"kind": "dream", "text": "Iets"}, "Select a valid choice"),
    ],
)
def test_bad_small_things_get_a_clear_message_and_keep_the_text(client_for, world, data, message):
    data = {"lead": world.resident.pk, **data}
    response = client_for("resident").post(url(world, "small_things"), plan(**data))
    assert response.status_code == 200
    assert message in response.text
    if data["text"]:
        assert data["text"] in response.text
    assert not SmallThing.objects.exists()


def test_a_lead_from_another_coalition_is_refused(client_for, world):
    response = client_for("resident").post(
        url(world, "small_things"), plan(kind="action", text="Iets", lead=world.outsider.pk)
    )
    assert "Select a valid choice" in response.text
    assert not SmallThing.objects.exists()


def test_html_is_shown_as_text(client_for, world):
    client_for("resident").post(
        url(world, "small_things"),
        plan(kind="action", text="<script>alert(1)</script>", lead=world.resident.pk),
    )
    html = client_for("resident").get(url(world, "small_things")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_count_me_in_toggles_and_keeps_who_joined(client_for, world):
    idea = SmallThing.objects.create(
        coalition=world.coalition, text="Soep", lead=world.professional
    )
    client = client_for("resident")
    join = url(world, "count_me_in", pk=idea.pk)
    assert client.post(join).status_code == 302
    assert list(idea.joiners.all()) == [world.resident]
    response = client.post(join, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'aria-pressed="false"' in response.text
    assert not idea.joiners.exists()


def test_you_cannot_join_your_own_idea_or_a_success(client_for, world):
    own = SmallThing.objects.create(
        coalition=world.coalition, text="Mijn idee", lead=world.resident
    )
    story = SmallThing.objects.create(
        coalition=world.coalition, kind="success", text="Gelukt", lead=world.professional
    )
    client = client_for("resident")
    for thing in (own, story):
        client.post(url(world, "count_me_in", pk=thing.pk))
        assert not thing.joiners.exists()


def test_outsiders_and_facilitators_cannot_write_in_the_plan(client_for, world):
    idea = SmallThing.objects.create(
        coalition=world.coalition, text="Soep", lead=world.professional
    )
    for role in ("outsider", "coordinator", "facilitator", "superuser"):
        client = client_for(role)
        assert client.post(url(world, "count_me_in", pk=idea.pk)).status_code == 404, role
        response = client.post(url(world, "small_things"), plan(kind="action", text="Iets"))
        assert response.status_code == 404, role
    assert not idea.joiners.exists() and SmallThing.objects.count() == 1


def test_someone_elses_idea_in_another_coalition_is_not_found(client_for, world):
    elsewhere = SmallThing.objects.create(coalition=world.other_coalition, text="Elders")
    response = client_for("resident").post(url(world, "count_me_in", pk=elsewhere.pk))
    assert response.status_code == 404


def test_the_plan_is_paginated(client_for, world):
    SmallThing.objects.bulk_create(
        SmallThing(coalition=world.coalition, text=f"Ding {n:02}") for n in range(30)
    )
    client = client_for("resident")
    assert "Page 1 of 2" in client.get(url(world, "small_things")).text
    assert client.get(url(world, "small_things") + "?page=2").status_code == 200
    assert client.get(url(world, "small_things") + "?page=banana").status_code == 200


# The tamtam -----------------------------------------------------------------------------------


def test_posting_to_the_tamtam_without_javascript(client_for, world):
    response = client_for("professional").post(
        url(world, "tamtam"), {"tamtam-text": "Hoe gaat het?"}
    )
    assert response.status_code == 302
    post = TamtamPost.objects.get()
    assert (post.author, post.coalition) == (world.professional, world.coalition)
    assert "Hoe gaat het?" in client_for("professional").get(response["Location"]).text


def test_posting_with_htmx_returns_the_updated_tamtam(client_for, world):
    TamtamPost.objects.create(coalition=world.coalition, author=world.resident, text="Eerste")
    response = client_for("resident").post(
        url(world, "tamtam"),
        {"tamtam-text": "Tweede", "from": "home"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.index("Tweede") < response.text.index("Eerste")  # newest first
    assert 'id="tamtam-status"' in response.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "This field is required."), ("a" * 501, "at most 500 characters")],
)
def test_bad_tamtam_posts_get_a_clear_message(client_for, world, text, message):
    for headers in ({}, {"HX-Request": "true"}):
        response = client_for("resident").post(
            url(world, "tamtam"), {"tamtam-text": text}, headers=headers
        )
        assert response.status_code == 200
        assert message in response.text
    assert not TamtamPost.objects.exists()


def test_mentions_notify_members_by_email_after_commit(
    client_for, world, django_capture_on_commit_callbacks
):
    world.professional.email = "youssef@example.org"
    world.professional.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for("resident").post(url(world, "tamtam"), {"tamtam-text": "Dank je @youssef!"})
    post = TamtamPost.objects.get()
    assert list(post.mentions.all()) == [world.professional]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["youssef@example.org"]
    assert "Ans" in message.subject
    assert "Dank je @youssef!" in message.body
    assert world.coalition.get_absolute_url() in message.body


def test_no_mail_for_members_of_other_coalitions_or_yourself(
    client_for, world, django_capture_on_commit_callbacks
):
    world.outsider.email = "gert@example.org"
    world.outsider.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for("resident").post(url(world, "tamtam"), {"tamtam-text": "Hoi @Gert en @Ans"})
    assert mail.outbox == []


def test_find_mentions_uses_full_names_and_unique_first_names(world):
    coalition = world.coalition
    anna = MemberFactory(coalition=coalition, name="Anna de Vries")
    anna_b = MemberFactory(coalition=coalition, name="Anna Bakker")
    members = list(Member.objects.filter(coalition=coalition))
    assert find_mentions("@Anna kom je?", members) == []  # two Annas: say which one
    assert find_mentions("@anna bakker kom je?", members) == [anna_b]
    assert set(find_mentions("@Anna de Vries, @Youssef.", members)) == {world.professional, anna}
    assert find_mentions("mail ans@example.org", members) == []


def test_the_tamtam_is_paginated_newest_first(client_for, world):
    TamtamPost.objects.bulk_create(
        TamtamPost(coalition=world.coalition, author=world.resident, text=f"Bericht {n:02}")
        for n in range(25)
    )
    html = client_for("resident").get(url(world, "tamtam")).text
    assert "Page 1 of 2" in html
    assert "Bericht 24" in html and "Bericht 00" not in html
