"""Reminders about agreements, and the lead's one-tap answer from the e-mail.

The link in a reminder is signed (django.core.signing), salted for this one purpose, and expires
after REMINDER_LINK_MAX_AGE. Its GET changes nothing: the view trades the token for a session
entry at once and redirects to a URL without it (no long-lived token in the address bar, the
history or a Referer). Answering marks the reminder answered, which makes the link single-use.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pitstops.models import Agreement

from .models import AgreementReminder
from .services import (
    CLOSED_STATUSES,
    ask_for_help,
    email_of,
    save_agreement,
    send_mail_after_commit,
)

REMINDER_SALT = "coalitions.reminders.answer"
REMINDER_LINK_MAX_AGE = datetime.timedelta(days=14)
DUE_WITHIN = datetime.timedelta(days=7)
SESSION_KEY = "coalitions.reminder"


class ReminderLinkError(Exception):
    """The link is forged, expired or already used; `message` says which, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def agreements_to_remind(today: datetime.date) -> QuerySet[Agreement]:
    """Pending agreements with a lead, due within a week or overdue."""
    return (
        Agreement.objects.pending()
        .filter(lead__isnull=False, lead__is_active=True, due_on__lte=today + DUE_WITHIN)
        .select_related("lead__user", "coalition__expedition")
        .order_by("due_on", "pk")
    )


def kind_for(agreement: Agreement, today: datetime.date) -> str:
    if agreement.due_on < today:
        return AgreementReminder.Kind.OVERDUE
    return AgreementReminder.Kind.DUE_SOON


def make_token(reminder: AgreementReminder) -> str:
    return signing.dumps({"reminder": reminder.pk, "lead": reminder.lead_id}, salt=REMINDER_SALT)


def reminder_from_token(token: str) -> AgreementReminder:
    """The reminder a link is for; raises ReminderLinkError when it cannot be used."""
    try:
        data = signing.loads(token, salt=REMINDER_SALT, max_age=REMINDER_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ReminderLinkError(_("This link has expired.")) from None
    except signing.BadSignature:
        raise ReminderLinkError(_("This link is not valid.")) from None
    return open_reminder(data.get("reminder"), data.get("lead"))


def open_reminder(reminder_id: object, lead_id: object) -> AgreementReminder:
    reminder = (
        AgreementReminder.objects.select_related("agreement__coalition__expedition", "lead")
        .filter(pk=reminder_id, lead_id=lead_id)
        .first()
    )
    if reminder is None:
        raise ReminderLinkError(_("This link is not valid."))
    if reminder.is_answered:
        raise ReminderLinkError(_("You already answered this reminder. Thank you!"))
    if reminder.agreement.status in CLOSED_STATUSES:
        raise ReminderLinkError(_("This agreement is already finished. Thank you!"))
    return reminder


@transaction.atomic
def send_reminders(*, base_url: str, today: datetime.date | None = None) -> int:
    """E-mail each lead whose agreement is due within a week or overdue; returns how many.

    Once per agreement, state and due date: a second run sends nothing new.
    """
    today = today or timezone.localdate()
    sent = 0
    for agreement in agreements_to_remind(today):
        address = email_of(agreement.lead)
        if not address:
            continue  # no row either: once the lead has an address, the reminder still goes
        reminder, created = AgreementReminder.objects.get_or_create(
            agreement=agreement,
            kind=kind_for(agreement, today),
            due_on=agreement.due_on,
            defaults={"lead": agreement.lead},
        )
        if not created:
            continue
        link = base_url.rstrip("/") + reverse(
            "coalitions:reminder_link", kwargs={"token": make_token(reminder)}
        )
        send_mail_after_commit(
            subject=_("Reminder: %(what)s"),
            template="coalitions/email/reminder.txt",
            context={
                "what": agreement.what,
                "agreement": agreement,
                "lead": agreement.lead,
                "overdue": reminder.kind == AgreementReminder.Kind.OVERDUE,
                "link": link,
                "days": REMINDER_LINK_MAX_AGE.days,
            },
            to=address,
        )
        sent += 1
    return sent


@transaction.atomic
def answer_reminder(*, reminder_id: int, lead_id: int, answer: str, note: str = "") -> Agreement:
    """Record the lead's answer once; done closes the agreement, help asks for a hand."""
    reminder = AgreementReminder.objects.select_for_update().filter(pk=reminder_id).first()
    if reminder is None or reminder.lead_id != lead_id:
        raise ReminderLinkError(_("This link is not valid."))
    if reminder.is_answered:
        raise ReminderLinkError(_("You already answered this reminder. Thank you!"))
    reminder.answer = answer
    reminder.answered_at = timezone.now()
    reminder.save(update_fields=["answer", "answered_at"])
    agreement = reminder.agreement
    if answer == AgreementReminder.Answer.DONE:
        agreement.status = Agreement.Status.DONE
        if note:
            agreement.outcome = note
        save_agreement(agreement=agreement, coalition=agreement.coalition)
    elif answer == AgreementReminder.Answer.HELP:
        ask_for_help(agreement=agreement, member=reminder.lead, note=note)
    # "Not yet" changes nothing but the reminder: the review list shows the answer.
    return agreement
