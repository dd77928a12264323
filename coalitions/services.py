"""Writes in the coalition's own space: small keyword-only functions, each one transaction.

Views validate with forms and call these; the e-mails they cause leave only after the
transaction commits, so a rolled-back write never tells anyone anything.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pitstops import authorship
from pitstops.models import Agreement, Reflection

from . import erasures
from .models import (
    Coalition,
    HelpRequest,
    Member,
    SmallThing,
    TamtamPost,
)
from .models.space import find_mentions

CLOSED_STATUSES = (Agreement.Status.DONE, Agreement.Status.DROPPED)


def send_mail_after_commit(
    *, subject: Any, template: str, context: dict[str, Any], to: str
) -> None:
    """Render an e-mail in Dutch (the default language) and send it once the write is saved.

    Members have no language preference yet, so: Dutch first. `subject` is a lazy string with
    %-placeholders filled from `context`.
    """
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
        subject_text = " ".join(str(subject % context).split())  # no newlines in a header
    message = EmailMessage(subject=subject_text, body=body, to=[to])
    transaction.on_commit(message.send)


def email_of(member: Member) -> str:
    """A member's own address, else the address of their account."""
    if member.email:
        return member.email
    return member.user.email if member.user_id and member.user else ""


# Reflections ----------------------------------------------------------------------------------


@transaction.atomic
def save_reflection(*, reflection: Reflection, member: Member, writer_secret: str) -> Reflection:
    """Save a new or edited reflection written by `member`.

    A named reflection carries its author; an anonymous one carries none, only a seal made with
    this signed-in session's writer secret, so this session can find it again
    (see pitstops.authorship).
    """
    reflection.coalition = member.coalition
    reflection.author_role = member.role
    reflection.author = None if reflection.is_anonymous else member
    reflection.author_seal = authorship.seal(writer_secret)
    reflection.save()
    return reflection


@transaction.atomic
def post_reflection(
    *,
    reflection: Reflection,
    member: Member,
    writer_secret: str,
    client_id: uuid.UUID | None,
) -> tuple[Reflection, bool]:
    """Store a new reflection from the coalition space once; returns it and whether it is new.

    The writer's browser sends it again after a dropped connection (static/js/queue.js), maybe
    from two tabs at once: a second copy with the same client id returns the first. The member's
    row is locked first, so two copies cannot both find nothing and both insert (PostgreSQL;
    SQLite writes one transaction at a time anyway). A lock instead of a unique constraint: the
    column exists and the previous release never fills it outside a session, so this release
    adds no constraint to a table that release writes (the rolling-upgrade rule).
    """
    if client_id is not None:
        list(Member.objects.select_for_update().filter(pk=member.pk).values_list("pk"))
        sent = Reflection.objects.filter(
            coalition_id=member.coalition_id, session__isnull=True, client_id=client_id
        ).first()
        if sent is not None:
            return sent, False
    reflection.client_id = client_id
    return save_reflection(reflection=reflection, member=member, writer_secret=writer_secret), True


def reflections_of(member: Member, writer_secret: str | None) -> Any:
    """A member's own released reflections in their coalition, newest first: named ones, and
    anonymous ones written in the coalition space with this signed-in session."""
    anonymous = Reflection.objects.filter(
        coalition_id=member.coalition_id, session__isnull=True, is_anonymous=True
    ).values_list("pk", "author_seal")
    mine = authorship.sealed_by(anonymous, writer_secret)
    return (
        Reflection.objects.released()
        .filter(coalition_id=member.coalition_id)
        .filter(Q(author=member) | Q(pk__in=mine))
        .select_related("theme")
    )


def is_author_of(member: Member, reflection: Reflection, writer_secret: str | None) -> bool:
    if reflection.coalition_id != member.coalition_id:
        return False
    if not reflection.is_anonymous:
        return reflection.author_id == member.pk
    return reflection.session_id is None and authorship.is_sealed_by(
        reflection.author_seal, writer_secret
    )


@transaction.atomic
def withdraw_reflection(*, reflection: Reflection) -> None:
    """Withdrawn words are gone, with their seal; they also leave any red thread as evidence.
    The erasure log keeps the id, so a restored backup does not bring them back."""
    erasures.record_reflections([reflection.pk])
    reflection.delete()


# The plan of small things ---------------------------------------------------------------------


@transaction.atomic
def add_small_thing(
    *, member: Member, kind: str, text: str, lead: Member | None = None
) -> SmallThing:
    return SmallThing.objects.create(
        coalition=member.coalition, kind=kind, text=text, lead=lead or member, added_by=member
    )


@transaction.atomic
def toggle_count_me_in(*, thing: SmallThing, member: Member) -> bool:
    """Join an idea, or leave it again; returns whether the member has joined now."""
    if not thing.can_be_joined_by(member):
        return False
    if thing.joiners.filter(pk=member.pk).exists():
        thing.joiners.remove(member)
        return False
    thing.joiners.add(member)
    return True


# The tamtam -----------------------------------------------------------------------------------


@transaction.atomic
def post_to_tamtam(*, member: Member, text: str, coalition_url: str) -> TamtamPost:
    """Post an update; every member it mentions hears about it by e-mail."""
    post = TamtamPost.objects.create(coalition=member.coalition, author=member, text=text)
    others = member.coalition.members.active().exclude(pk=member.pk).select_related("user")
    mentioned = find_mentions(text, others)
    post.mentions.set(mentioned)
    for person in mentioned:
        address = email_of(person)
        if address:
            send_mail_after_commit(
                subject=_("%(name)s mentioned you on the tamtam"),
                template="coalitions/email/mention.txt",
                context={
                    "name": member.name,
                    "post": post,
                    "person": person,
                    "url": coalition_url,
                },
                to=address,
            )
    return post


# Agreements and help --------------------------------------------------------------------------


@transaction.atomic
def save_agreement(
    *, agreement: Agreement, coalition: Coalition, help_arranged: bool = False
) -> Agreement:
    """Save an agreement; once it is done or dropped, or help is arranged, open requests close."""
    agreement.coalition = coalition
    agreement.save()
    if help_arranged or agreement.status in CLOSED_STATUSES:
        agreement.help_requests.open().update(resolved_at=timezone.now())
    return agreement


@transaction.atomic
def ask_for_help(*, agreement: Agreement, member: Member | None, note: str = "") -> HelpRequest:
    """One open request per agreement: asking twice keeps the first."""
    request, _ = HelpRequest.objects.get_or_create(
        agreement=agreement,
        resolved_at=None,
        defaults={"asked_by": member, "note": note},
    )
    return request


def membership_in(user: Any, coalition: Coalition) -> Member | None:
    """The user's active membership of this coalition, if any."""
    return (
        Member.objects.of_user(user)
        .filter(coalition=coalition)
        .select_related("coalition__expedition")
        .first()
    )
