"""The admin: every model has a working list, search, filters and forms, in Dutch.

This is also the admin's permission matrix: only superusers get in.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from pitstops.models import Reflection, Session
from tests.conftest import ROLES

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
# Written only by the task worker: their admin lists them and has no add page.
PROJECT_MODELS = [m for m in MODELS if m._meta.app_label in ("coalitions", "pitstops")]


@pytest.fixture
def demo(demo_rows):
    """The demo expedition, built once for the admin tests in a row (SharedRows, conftest)."""


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_work(admin_client, demo, model):
    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "a"}).status_code == 200
    # Some lists are records only (django-axes' log-in attempts): adding one is refused.
    request = RequestFactory().get("/")
    request.user = User.objects.filter(is_superuser=True).first()
    can_add = admin.site._registry[model].has_add_permission(request)
    assert admin_client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)
    obj = model.objects.first()
    if obj is not None:
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_every_list_filter_works(admin_client, demo, model):
    model_admin = admin.site._registry[model]
    response = admin_client.get(admin_url(model, "changelist"))
    for spec in response.context["cl"].filter_specs:
        for choice in list(spec.choices(response.context["cl"]))[1:3]:
            query = choice["query_string"]
            assert admin_client.get(admin_url(model, "changelist") + query).status_code == 200, (
                f"{model_admin} {query}"
            )


def test_the_admin_speaks_dutch(admin_client, demo):
    response = admin_client.get(admin_url(Reflection, "changelist"))
    assert "reflecties" in response.text.lower()
    assert "Alleen begeleiders" in response.text or "alleen begeleiders" in response.text


def test_admin_list_shows_no_name_for_anonymous_words(admin_client, demo):
    """The row of every anonymous reflection holds no name of anyone in its coalition."""
    anonymous = list(Reflection.objects.filter(is_anonymous=True).select_related("coalition"))
    assert anonymous
    for words in anonymous:
        response = admin_client.get(admin_url(Reflection, "changelist"), {"q": words.text[:30]})
        rows = re.findall(r"<tr[^>]*>.*?</tr>", response.text, flags=re.DOTALL)
        row = next(row for row in rows if f'value="{words.pk}"' in row)
        assert "anoniem" in row
        for name in words.coalition.members.values_list("name", flat=True):
            assert escape(name) not in row, (name, words.text)
        change = admin_client.get(admin_url(Reflection, "change", words.pk)).text
        for name in words.coalition.members.values_list("name", flat=True):
            assert f"selected>{escape(name)}" not in change


def test_a_session_page_lists_no_reflections_of_other_sessions(admin_client, demo):
    """The chosen story is an id to fill in, not a list of every reflection's words."""
    session = Session.objects.filter(chosen_story__isnull=False).first()
    page = admin_client.get(admin_url(Session, "change", session.pk)).text
    elsewhere = Reflection.objects.exclude(session=session).exclude(text="")
    assert not [words.text for words in elsewhere if escape(words.text[:60]) in page]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "superuser"])
def test_only_superusers_enter_the_admin(client_for, role):
    response = client_for(role).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_user_who_is_not_a_superuser_stays_out(client, world):
    staff = world.user("facilitator")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    for url in (reverse("admin:index"), admin_url(Reflection, "changelist")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))
