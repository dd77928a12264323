"""A member owns their data (AVG/GDPR): see all of it, take it along, erase it; and retention.

`personal_data` gathers everything held about an account and its memberships; `erase_account`
takes the person out of Pitstop; `apply_retention` anonymises or deletes what is older than the
configured number of months. Anonymous words are linked to nobody (see pitstops.authorship), so
they are neither in a download nor touched by erasure: nobody can tell whose they are.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pitstops.models import (
    Agreement,
    CompassRating,
    JoinRequest,
    Participant,
    Reflection,
    Session,
)

from . import erasures
from .models import AccountSession, AgreementReminder, Member, SmallThing, TamtamPost


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def personal_data(user: Any) -> dict[str, Any]:
    """Everything Pitstop holds about this account, as plain data (for JSON and the page)."""
    members = list(Member.objects.filter(user=user).select_related("coalition__expedition"))
    return {
        "account": {
            "user_name": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "joined": _iso(user.date_joined),
            "last_log_in": _iso(user.last_login),
            "signed_in_devices": AccountSession.objects.filter(user=user).count(),
        },
        "memberships": [_membership(member) for member in members],
    }


def _membership(member: Member) -> dict[str, Any]:
    reflections = (
        Reflection.objects.filter(author=member)
        .select_related("theme", "session__pitstop")
        .prefetch_related("consent_changes")
        .order_by("created_at", "pk")
    )
    return {
        "coalition": str(member.coalition),
        "expedition": str(member.coalition.expedition),
        "name": member.name,
        "role": member.get_role_display(),
        "organisation": member.organisation,
        "email": member.email,
        "may_be_quoted_by_default": member.consents_to_quotation,
        "joined": _iso(member.joined_on),
        "reflections_with_my_name": [
            {
                "text": reflection.text,
                "theme": str(reflection.theme) if reflection.theme else "",
                "kind": reflection.get_kind_display(),
                "who_may_read": reflection.get_visibility_display(),
                "session": str(reflection.session) if reflection.session else "",
                "written": _iso(reflection.created_at),
                "consent_to_quotation": [
                    {"given": change.given, "at": _iso(change.changed_at)}
                    for change in reflection.consent_changes.all()
                ],
            }
            for reflection in reflections
        ],
        "agreements_i_lead": [
            {
                "what": agreement.what,
                "status": agreement.get_status_display(),
                "due": _iso(agreement.due_on),
            }
            for agreement in Agreement.objects.filter(lead=member).order_by("pk")
        ],
        "small_things": [
            {
                "what": thing.text,
                "kind": thing.get_kind_display(),
                "i_lead": thing.lead_id == member.pk,
            }
            for thing in SmallThing.objects.filter(
                Q(lead=member) | Q(added_by=member) | Q(joiners=member)
            )
            .distinct()
            .order_by("pk")
        ],
        "tamtam_messages": [
            {"text": post.text, "posted": _iso(post.created_at)}
            for post in TamtamPost.objects.filter(author=member).order_by("pk")
        ],
        "sessions_attended": [str(session) for session in member.attended_sessions.all()],
        "compass_ratings": [
            {
                "session": str(rating.session),
                "ladder": rating.get_rung_display(),
                "scores": {str(score.theme): score.score for score in rating.scores.all()},
            }
            for rating in CompassRating.objects.filter(member=member).prefetch_related(
                "scores__theme"
            )
        ],
        "reminders": [
            {"agreement": reminder.agreement.what, "sent": _iso(reminder.sent_at)}
            for reminder in AgreementReminder.objects.filter(lead=member).select_related(
                "agreement"
            )
        ],
    }


@transaction.atomic
def erase_account(user: Any, *, keep_words: bool) -> None:
    """Take a person out of Pitstop.

    Their name and contact details are gone from every membership; words written under their
    name stay without it (`keep_words`) or are deleted; their tamtam messages likewise.
    Agreements and small things they lead keep a lead that reads "a former member", so figures
    by role still add up. The account itself is deleted, which logs it out everywhere.
    The erasure log (coalitions.erasures) keeps the ids, so a restored backup is erased again.
    """
    members = Member.objects.filter(user=user)
    erasures.record_account(user.pk, members.values_list("pk", flat=True), keep_words=keep_words)
    erase_members(members, user=user, keep_words=keep_words)


@transaction.atomic
def erase_members(members: QuerySet[Member], *, user: Any | None, keep_words: bool) -> None:
    """The work of `erase_account`, also done again from the erasure log after a restore (when
    the memberships may be all that is left to find)."""
    from .accounts import end_every_session

    members = Member.objects.filter(pk__in=list(members.values_list("pk", flat=True)))
    words = Reflection.objects.filter(author__in=members)
    posts = TamtamPost.objects.filter(author__in=members)
    # Screens of a session still running would keep the name or the words until they render
    # again: after the change, they render their whole fragment (no delta carries this).
    sessions = list(Session.objects.filter(reflections__in=words).distinct())
    if keep_words:
        for reflection in words:
            reflection.is_anonymous = True  # save() drops author and participant
            reflection.save()
        posts.update(author=None)
    else:
        words.delete()
        posts.delete()
    CompassRating.objects.filter(member__in=members).update(member=None)
    JoinRequest.objects.filter(member__in=members).delete()
    for member in members:
        member.mentioned_in.clear()
    members.update(
        name="",
        organisation="",
        email="",
        user=None,
        is_active=False,
        consents_to_quotation=False,
        erased_at=timezone.now(),
    )
    if user is not None:
        end_every_session(user)
        get_user_model().objects.filter(pk=user.pk).delete()
    for session in sessions:
        session.touch(structural=True)


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    months = settings.RETENTION_MONTHS
    return (now or timezone.now()) - datetime.timedelta(days=round(months * 30.44))


@transaction.atomic
def apply_retention(now: datetime.datetime | None = None) -> dict[str, int]:
    """Anonymise or delete what is older than RETENTION_MONTHS; running it twice changes nothing
    more. Words keep their content without a name (reports quote them), small talk goes."""
    cutoff = retention_cutoff(now)
    named = Reflection.objects.filter(created_at__lt=cutoff, is_anonymous=False).exclude(
        author=None, participant=None
    )
    anonymised = 0
    for reflection in named:
        reflection.is_anonymous = True
        reflection.save()
        anonymised += 1
    tamtam, _ = TamtamPost.objects.filter(created_at__lt=cutoff).delete()
    guests = (
        Participant.objects.filter(joined_at__lt=cutoff, member=None)
        .exclude(guest_name="-")
        .update(guest_name="-")
    )
    requests, _ = JoinRequest.objects.filter(created_at__lt=cutoff).delete()
    reminders = AgreementReminder.objects.filter(sent_at__lt=cutoff).exclude(lead=None)
    reminders_count = reminders.update(lead=None)
    return {
        "reflections_anonymised": anonymised,
        "tamtam_messages_deleted": tamtam,
        "guest_names_removed": guests,
        "join_requests_deleted": requests,
        "reminders_unlinked": reminders_count,
    }


def erase_again_since(moment: datetime.datetime | None) -> dict[str, int]:
    """Erase again what the log says was erased at or after `moment`; running it twice changes
    nothing more. Nothing is logged anew: the lines are there already (see `erasures`)."""
    accounts = reflections = 0
    for entry in erasures.entries_since(moment):
        if entry["kind"] == erasures.ACCOUNT:
            # Only memberships that still belong to that account (or to none): never someone
            # else's, whatever the ids say.
            members = Member.objects.filter(
                pk__in=entry["members"], erased_at=None, user_id__in=[entry["user"], None]
            )
            user = get_user_model().objects.filter(pk=entry["user"]).first()
            if members.exists() or user is not None:
                erase_members(members, user=user, keep_words=entry["keep_words"])
                accounts += 1
        elif entry["kind"] == erasures.REFLECTIONS:
            _, per_model = Reflection.objects.filter(pk__in=entry["ids"]).delete()
            reflections += per_model.get(Reflection._meta.label, 0)
    return {"accounts_erased_again": accounts, "reflections_deleted_again": reflections}
