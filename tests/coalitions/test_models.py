"""Expeditions, coalitions, members and themes: rules the database keeps."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from coalitions.models import Expedition, Member, Theme
from tests.factories import (
    CoalitionFactory,
    ExpeditionFactory,
    MemberFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_expedition_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpeditionFactory(starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 4, 1))


def test_coalition_slug_is_unique_within_an_expedition_only():
    first = CoalitionFactory(slug="utrecht")
    CoalitionFactory(slug="utrecht")  # another expedition: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CoalitionFactory(slug="utrecht", expedition=first.expedition)


def test_a_user_is_a_member_of_a_coalition_once():
    member = MemberFactory(user=UserFactory())
    MemberFactory(coalition=member.coalition)  # members without an account are fine
    MemberFactory(coalition=member.coalition)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(coalition=member.coalition, user=member.user)


def test_member_queryset_of_user_skips_inactive_memberships():
    user = UserFactory()
    active = MemberFactory(user=user)
    MemberFactory(user=user, is_active=False)
    assert list(Member.objects.of_user(user)) == [active]


def test_str_and_urls():
    coalition = CoalitionFactory(name="Voorst", slug="voorst", expedition__slug="reis")
    assert str(coalition) == "Voorst"
    assert coalition.get_absolute_url() == "/expeditie/reis/coalitie/voorst/"
    assert coalition.expedition.get_absolute_url() == "/expeditie/reis/"
    assert str(MemberFactory(name="Ans", coalition=coalition)) == "Ans (Voorst)"


def test_default_themes_are_shipped_by_the_data_migration():
    defaults = Theme.objects.defaults().prefetch_related("questions")
    assert [theme.key for theme in defaults] == [
        "reisgezelschap",
        "teamgeest",
        "samenkracht",
        "klein",
        "bewoners-aan-zet",
    ]
    for theme in defaults:
        assert theme.name_nl and theme.name_en and theme.summary_nl and theme.summary_en
        questions = list(theme.questions.all())
        assert 2 <= len(questions) <= 4
        assert all(question.text_nl and question.text_en for question in questions)


def test_a_new_expedition_adopts_the_default_themes_once():
    expedition = ExpeditionFactory()
    expedition.adopt_default_themes()
    expedition.adopt_default_themes()
    assert expedition.themes.count() == 5
    assert sum(theme.questions.count() for theme in expedition.themes.all()) == 15


def test_an_expedition_edits_its_own_themes_without_touching_the_defaults():
    expedition = ExpeditionFactory()
    theme = expedition.adopt_default_themes()[0]
    theme.name_nl = "Ons eigen reisgezelschap"
    theme.save()
    ThemeFactory(expedition=expedition, key="eigen-thema")
    assert Theme.objects.defaults().get(key=theme.key).name_nl == "Eén reisgezelschap"
    assert expedition.themes.count() == 6


def test_theme_keys_are_unique_per_expedition_and_among_defaults():
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(key="teamgeest", name_nl="Dubbel")
    expedition = ExpeditionFactory()
    ThemeFactory(expedition=expedition, key="eigen")
    with pytest.raises(IntegrityError), transaction.atomic():
        ThemeFactory(expedition=expedition, key="eigen")


def test_theme_text_follows_the_language_with_dutch_as_fallback():
    theme = ThemeFactory(name_nl="Teamgeest", name_en="Team spirit")
    only_dutch = ThemeFactory(name_nl="Alleen Nederlands", name_en="")
    with translation.override("en"):
        assert theme.name == "Team spirit"
        assert only_dutch.name == "Alleen Nederlands"
    with translation.override("nl"):
        assert theme.name == "Teamgeest"


def test_expedition_ordering_is_newest_first():
    old = ExpeditionFactory(starts_on=datetime.date(2025, 1, 1))
    new = ExpeditionFactory(starts_on=datetime.date(2026, 1, 1))
    assert list(Expedition.objects.all()) == [new, old]
