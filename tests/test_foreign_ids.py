"""Another coalition's or expedition's id in the URL (or the form) of a POST changes nothing.

The POST matrix uses each URL's own objects; here the objects belong elsewhere: a small thing,
an agreement and a member's words of the neighbouring coalition put in Apeldoorn's URLs, a card
of another expedition offered as evidence, another expedition's red thread.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from coalitions.models import SmallThing
from pitstops.models import Agreement, RedThread, Reflection
from tests.factories import RedThreadFactory, ReflectionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["resident", "professional", "facilitator"])
def test_foreign_objects_in_a_post_are_refused_and_unchanged(world, other_world, role):
    neighbours = world.other_coalition
    thing = SmallThing.objects.create(coalition=neighbours, text="Van Voorst")
    agreement = Agreement.objects.create(coalition=neighbours, what="Afspraak van Voorst")
    words = ReflectionFactory(coalition=neighbours, author=world.outsider, text="Woorden van Gert")
    own_thread = RedThreadFactory(pitstop=world.pitstop)
    foreign_thread = RedThreadFactory(pitstop=other_world.pitstop, title="Elders")
    foreign_card = ReflectionFactory(
        coalition=other_world.coalition, session=other_world.session, visibility="quotable"
    )
    space = {"expedition": world.expedition.slug, "slug": world.coalition.slug}
    client = Client()
    client.force_login(world.user(role))
    for name, kwargs, data in [
        ("coalitions:count_me_in", {**space, "pk": thing.pk}, {}),
        ("coalitions:agreement_edit", {**space, "pk": agreement.pk}, {"what": "Gekaapt"}),
        ("coalitions:agreement_help", {**space, "pk": agreement.pk}, {"note": "Hulp"}),
        ("coalitions:reflection_edit", {**space, "pk": words.pk}, {"text": "Gekaapt"}),
        ("coalitions:reflection_withdraw", {**space, "pk": words.pk}, {}),
        ("pitstops:red_thread_edit", {"pk": foreign_thread.pk}, {"title": "Gekaapt"}),
    ]:
        response = client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 404, (role, name)
    client.post(
        reverse("pitstops:evidence", kwargs={"pk": own_thread.pk}),
        {"reflection": foreign_card.pk, "action": "add"},
    )
    assert not thing.joiners.exists()
    assert Agreement.objects.get(pk=agreement.pk).what == "Afspraak van Voorst"
    assert not agreement.help_requests.exists()
    assert Reflection.objects.get(pk=words.pk).text == "Woorden van Gert"
    assert RedThread.objects.get(pk=foreign_thread.pk).title == "Elders"
    assert not own_thread.evidence.filter(pk=foreign_card.pk).exists()
