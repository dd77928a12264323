"""Pitstops, sessions, reflections, agreements, compass and red threads."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coalitions.models import Member
from pitstops.models import Agreement, RedThread, Reflection
from tests.factories import (
    AgreementFactory,
    CoalitionFactory,
    CompassRatingFactory,
    CompassScoreFactory,
    MemberFactory,
    PitstopFactory,
    RedThreadFactory,
    ReflectionFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def test_pitstop_numbers_are_unique_and_positive():
    pitstop = PitstopFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PitstopFactory(expedition=pitstop.expedition, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PitstopFactory(number=0)


def test_one_session_per_coalition_per_pitstop():
    session = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(pitstop=session.pitstop, coalition=session.coalition)


def test_session_coalition_must_travel_on_the_same_expedition():
    session = SessionFactory.build(pitstop=PitstopFactory(), coalition=CoalitionFactory())
    with pytest.raises(ValidationError):
        session.clean()


def test_an_anonymous_reflection_stores_no_author():
    member = MemberFactory(role=Member.Role.PROFESSIONAL)
    reflection = ReflectionFactory(coalition=member.coalition, author=member, is_anonymous=True)
    reflection.refresh_from_db()
    assert reflection.author is None
    assert reflection.author_role == Member.Role.PROFESSIONAL
    assert reflection.author_label == "anoniem"


def test_the_database_refuses_an_anonymous_reflection_with_an_author():
    member = MemberFactory()
    reflection = ReflectionFactory(coalition=member.coalition, author=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reflection.objects.filter(pk=reflection.pk).update(is_anonymous=True)


def test_author_role_is_kept_from_the_author():
    member = MemberFactory(role=Member.Role.RESIDENT, name="Ans")
    reflection = ReflectionFactory(coalition=member.coalition, author=member)
    assert reflection.author_role == Member.Role.RESIDENT
    assert reflection.author_label == "Ans"


def test_reflections_visible_to_each_role(world):
    coalition, other = world.coalition, world.other_coalition
    private = ReflectionFactory(
        coalition=coalition, visibility="facilitators", author=world.resident
    )
    shared = ReflectionFactory(coalition=coalition, visibility="coalition")
    quotable = ReflectionFactory(coalition=coalition, visibility="quotable", is_anonymous=True)
    elsewhere = ReflectionFactory(coalition=other, visibility="coalition")

    def visible(role):
        return set(Reflection.objects.visible_to(world.user(role))) - set(
            Reflection.objects.filter(session=world.session)
        )

    assert visible("resident") == {private, shared, quotable}  # own private words too
    assert visible("professional") == {shared, quotable}
    assert visible("outsider") == {elsewhere}
    assert visible("facilitator") == {private, shared, quotable, elsewhere}
    assert visible("coordinator") == {quotable}
    assert visible("stranger") == set()
    assert visible("superuser") == {private, shared, quotable, elsewhere}


def test_agreements_pending_and_overdue():
    today = datetime.date(2026, 11, 25)
    late = AgreementFactory(due_on=datetime.date(2026, 11, 1))
    AgreementFactory(due_on=datetime.date(2026, 11, 1), status=Agreement.Status.DONE)
    AgreementFactory(due_on=datetime.date(2026, 12, 1), status=Agreement.Status.UNDER_WAY)
    assert list(Agreement.objects.overdue(today)) == [late]
    assert Agreement.objects.pending().count() == 2


def test_agreement_shows_whether_a_resident_or_professional_leads():
    lead = MemberFactory(role=Member.Role.PROFESSIONAL)
    assert AgreementFactory(lead=lead).lead_role == Member.Role.PROFESSIONAL
    assert AgreementFactory(lead=None).lead_role == ""


def test_agreement_is_overdue_only_while_pending():
    past = datetime.date(2020, 1, 1)
    assert AgreementFactory(due_on=past).is_overdue
    assert not AgreementFactory(due_on=past, status=Agreement.Status.DROPPED).is_overdue
    assert not AgreementFactory(due_on=None).is_overdue


def test_compass_one_rating_per_member_and_scores_from_1_to_5():
    score = CompassScoreFactory(score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        CompassRatingFactory(session=score.rating.session, member=score.rating.member)
    with pytest.raises(IntegrityError), transaction.atomic():
        CompassScoreFactory(rating=score.rating, theme=score.theme, score=4)
    for wrong in (0, 6):
        with pytest.raises(IntegrityError), transaction.atomic():
            CompassScoreFactory(rating=score.rating, score=wrong)


def test_red_thread_gets_a_publication_date_when_published():
    thread = RedThreadFactory()
    assert thread.published_at is None
    thread.status = RedThread.Status.PUBLISHED
    thread.save()
    assert thread.published_at is not None
    assert list(RedThread.objects.published()) == [thread]
