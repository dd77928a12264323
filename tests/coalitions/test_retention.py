"""apply_retention does what it says for every kind of old data, not only count it.

Past RETENTION_MONTHS: named words lose their name (a guest card its participant too), tamtam
messages go, guests' first names become "-", requests to join go, and agreement reminders lose
the member they were sent to. Everything younger stays as it was.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coalitions.models import AgreementReminder, TamtamPost
from coalitions.privacy import apply_retention
from pitstops.models import JoinRequest, Participant, Reflection
from tests.factories import ReflectionFactory

pytestmark = pytest.mark.django_db

OLD = datetime.timedelta(days=40 * 31)  # past the default 36 months
RECENT = datetime.timedelta(days=30)


def aged(model, obj, field: str, age: datetime.timedelta):
    model.objects.filter(pk=obj.pk).update(**{field: timezone.now() - age})
    return obj


@pytest.fixture
def old_and_new(world):
    """One old and one recent row of every kind retention handles."""
    session = world.session
    rows = {}
    for label, age in (("old", OLD), ("recent", RECENT)):
        guest = aged(
            Participant,
            Participant.objects.create(session=session, guest_name=f"Gast {label}"),
            "joined_at",
            age,
        )
        rows[label] = {
            "named": aged(
                Reflection,
                ReflectionFactory(coalition=world.coalition, author=world.resident),
                "created_at",
                age,
            ),
            "guest_card": aged(
                Reflection,
                ReflectionFactory(coalition=world.coalition, session=session, participant=guest),
                "created_at",
                age,
            ),
            "tamtam": aged(
                TamtamPost,
                TamtamPost.objects.create(
                    coalition=world.coalition, author=world.resident, text=f"Hoi {label}"
                ),
                "created_at",
                age,
            ),
            "guest": guest,
            "join_request": aged(
                JoinRequest,
                JoinRequest.objects.create(session=session, member=world.resident),
                "created_at",
                age,
            ),
            "reminder": aged(
                AgreementReminder,
                AgreementReminder.objects.create(
                    agreement=world.agreement,
                    kind=AgreementReminder.Kind.OVERDUE if label == "old" else "due_soon",
                    due_on=datetime.date(2026, 1, 1),
                    lead=world.resident,
                ),
                "sent_at",
                age,
            ),
        }
    # A member taking part keeps their participation: only guests' names are erased.
    rows["member_participant"] = aged(
        Participant,
        Participant.objects.create(session=session, member=world.professional),
        "joined_at",
        OLD,
    )
    return rows


def test_old_requests_to_join_are_deleted(old_and_new):
    done = apply_retention()
    assert done["join_requests_deleted"] == 1
    assert not JoinRequest.objects.filter(pk=old_and_new["old"]["join_request"].pk).exists()
    assert JoinRequest.objects.filter(pk=old_and_new["recent"]["join_request"].pk).exists()


def test_old_agreement_reminders_lose_who_they_were_sent_to(old_and_new, world):
    done = apply_retention()
    assert done["reminders_unlinked"] == 1
    old = AgreementReminder.objects.get(pk=old_and_new["old"]["reminder"].pk)
    assert old.lead is None  # the row stays: it keeps send_reminders from sending it again
    assert old.agreement == world.agreement
    recent = AgreementReminder.objects.get(pk=old_and_new["recent"]["reminder"].pk)
    assert recent.lead == world.resident


def test_old_guests_names_are_erased(old_and_new, world):
    done = apply_retention()
    assert done["guest_names_removed"] == 1
    assert Participant.objects.get(pk=old_and_new["old"]["guest"].pk).guest_name == "-"
    assert Participant.objects.get(pk=old_and_new["recent"]["guest"].pk).guest_name == (
        "Gast recent"
    )
    member = Participant.objects.get(pk=old_and_new["member_participant"].pk)
    assert member.member == world.professional


def test_old_words_lose_their_name_and_their_guest(old_and_new, world):
    done = apply_retention()
    assert done["reflections_anonymised"] == 2
    for key in ("named", "guest_card"):
        old = Reflection.objects.get(pk=old_and_new["old"][key].pk)
        assert old.is_anonymous and old.author is None and old.participant is None, key
        assert old.text == old_and_new["old"][key].text  # the words stay
    assert Reflection.objects.get(pk=old_and_new["recent"]["named"].pk).author == world.resident
    recent_card = Reflection.objects.get(pk=old_and_new["recent"]["guest_card"].pk)
    assert recent_card.participant == old_and_new["recent"]["guest"]


def test_old_tamtam_messages_are_deleted(old_and_new):
    done = apply_retention()
    assert done["tamtam_messages_deleted"] == 1
    assert not TamtamPost.objects.filter(pk=old_and_new["old"]["tamtam"].pk).exists()
    assert TamtamPost.objects.filter(pk=old_and_new["recent"]["tamtam"].pk).exists()


def test_a_second_run_finds_nothing_left_to_do(old_and_new):
    first = apply_retention()
    assert set(first.values()) == {1, 2}  # every kind had something old
    assert set(apply_retention().values()) == {0}
