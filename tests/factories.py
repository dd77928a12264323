"""factory-boy factories for every model."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from coalitions.models import Coalition, Expedition, GuidingQuestion, Member, Theme
from pitstops.models import (
    Agreement,
    CompassRating,
    CompassScore,
    Pitstop,
    RedThread,
    RedThreadSuggestion,
    Reflection,
    Session,
    SuggestionRun,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Not a random name: Faker now and then picks one a test uses for a member ("Youssef").
    first_name = factory.Sequence(lambda n: f"Gebruiker{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("secret-password")


class ExpeditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expedition

    name = factory.Sequence(lambda n: f"Expeditie {n}")
    slug = factory.Sequence(lambda n: f"expeditie-{n}")
    starts_on = datetime.date(2026, 1, 1)


class CoalitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coalition

    expedition = factory.SubFactory(ExpeditionFactory)
    name = factory.Sequence(lambda n: f"Coalitie {n}")
    slug = factory.Sequence(lambda n: f"coalitie-{n}")
    place = "Ergens"
    residents_initiative = "Bewonersinitiatief"
    welfare_organisation = "Welzijnsorganisatie"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    coalition = factory.SubFactory(CoalitionFactory)
    name = factory.Sequence(lambda n: f"Lid {n}")
    role = Member.Role.RESIDENT


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    expedition = factory.SubFactory(ExpeditionFactory)
    key = factory.Sequence(lambda n: f"thema-{n}")
    name_nl = factory.Sequence(lambda n: f"Thema {n}")
    name_en = factory.Sequence(lambda n: f"Theme {n}")


class GuidingQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidingQuestion

    theme = factory.SubFactory(ThemeFactory)
    text_nl = "Wat zie je?"
    text_en = "What do you see?"


class PitstopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pitstop

    expedition = factory.SubFactory(ExpeditionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Pitstop {n}")
    starts_on = datetime.date(2026, 9, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    pitstop = factory.SubFactory(PitstopFactory)
    coalition = factory.SubFactory(
        CoalitionFactory, expedition=factory.SelfAttribute("..pitstop.expedition")
    )
    held_on = datetime.date(2026, 9, 10)


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reflection

    coalition = factory.SubFactory(CoalitionFactory)
    text = factory.Sequence(lambda n: f"Reflectie {n}")
    kind = Reflection.Kind.OBSERVATION
    visibility = Reflection.Visibility.COALITION
    # Shown to the group, as the cards of a session that is over usually are.
    revealed_at = factory.LazyFunction(timezone.now)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    coalition = factory.SubFactory(CoalitionFactory)
    what = factory.Sequence(lambda n: f"Afspraak {n}")


class CompassRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompassRating

    session = factory.SubFactory(SessionFactory)
    member = factory.SubFactory(
        MemberFactory, coalition=factory.SelfAttribute("..session.coalition")
    )
    rung = CompassRating.Rung.WITH


class CompassScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompassScore

    rating = factory.SubFactory(CompassRatingFactory)
    theme = factory.SubFactory(
        ThemeFactory, expedition=factory.SelfAttribute("..rating.session.pitstop.expedition")
    )
    score = 3


class RedThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RedThread

    pitstop = factory.SubFactory(PitstopFactory)
    title = factory.Sequence(lambda n: f"Rode draad {n}")
    text = "Wat terugkwam in de sessies."


class SuggestionRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuggestionRun

    pitstop = factory.SubFactory(PitstopFactory)
    method = "embeddings"
    status = SuggestionRun.Status.DONE
    progress = 100


class RedThreadSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RedThreadSuggestion
        skip_postgeneration_save = True

    run = factory.SubFactory(SuggestionRunFactory)
    title = factory.Sequence(lambda n: f"Suggestie {n}")

    @factory.post_generation
    def reflections(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.reflections.set(extracted)
