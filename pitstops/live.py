"""Taking part in a live session: joining, cards, marks, agreements and the compass.

Each function checks that the session is open and in the right phase, writes inside a
transaction, and bumps the session's version so every screen picks up the change; a card it
writes takes that version, so screens get it in their next delta (see Session.touch).
"""

from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from coalitions import erasures
from coalitions.models import Member, Theme

from . import authorship
from .models import (
    Agreement,
    CardGroup,
    CompassRating,
    CompassScore,
    JoinRequest,
    Participant,
    Reflection,
    ResonanceMark,
    Session,
)

Phase = Session.Phase
# Phases in which participants write cards; in the reflect phase they stay hidden until revealed,
# and so do stories of change: nobody is swayed by another's story while writing their own.
WRITING_PHASES = {Phase.CHECK_IN, Phase.CHANGE, Phase.REFLECT}


def require_open(session: Session, phase: str | None = None) -> None:
    if not session.is_open:
        raise ValidationError(_("This session is closed. Nothing can be added any more."))
    if phase is not None and session.phase != phase:
        raise ValidationError(
            _("That is not possible now: the session is in the phase “%(phase)s”.")
            % {"phase": session.phase_label()}
        )


class NameTaken(ValidationError):
    """Another phone already joined under this member's name."""


def join(
    session: Session, *, member: Member | None = None, guest_name: str = "", verified: bool = False
) -> Participant:
    """Join as a coalition member or as a guest.

    A member's name is taken by the first phone that taps it. Another phone gets the same
    participant only when `verified`: the member signed in, or the facilitator let it in.
    """
    require_open(session)
    if member is not None:
        if member.coalition_id != session.coalition_id or not member.is_active:
            raise ValidationError(_("This name is not on the list of this coalition."))
        participant, created = Participant.objects.get_or_create(session=session, member=member)
        if not created and not verified:
            raise NameTaken(
                _("Someone already joined as %(name)s on another phone.")
                % {"name": member.display_name}
            )
        session.attendees.add(member)
    else:
        guest_name = guest_name.strip()
        if not guest_name:
            raise ValidationError(_("Fill in your first name."))
        participant = Participant.objects.create(session=session, guest_name=guest_name)
    session.touch()
    return participant


@transaction.atomic
def ask_to_join(session: Session, member: Member) -> JoinRequest:
    """A phone asks the facilitator to let it in under a name already taken."""
    require_open(session)
    if member.coalition_id != session.coalition_id or not member.is_active:
        raise ValidationError(_("This name is not on the list of this coalition."))
    if session.join_requests.pending().count() >= JoinRequest.PENDING_LIMIT:
        raise ValidationError(
            _("Many phones are waiting already. Ask the facilitator, or join as a guest.")
        )
    join_request = JoinRequest.objects.create(session=session, member=member)
    session.touch()
    return join_request


@transaction.atomic
def decide_join_request(session: Session, join_request: JoinRequest, *, let_in: bool) -> None:
    """The facilitator lets a waiting phone in, or refuses it."""
    if join_request.session_id != session.pk:
        raise ValidationError(_("This request belongs to another session."))
    if not join_request.is_pending:
        raise ValidationError(_("This request has been answered already."))
    join_request.status = JoinRequest.Status.LET_IN if let_in else JoinRequest.Status.REFUSED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    session.touch()


def post_card(
    session: Session,
    participant: Participant,
    *,
    writer_secret: str,
    text: str,
    kind: str,
    visibility: str,
    is_anonymous: bool,
    theme: Theme | None,
    client_id: uuid.UUID | None,
    written_in: str = "",
) -> tuple[Reflection, bool]:
    """Store a participant's card once; a retry with the same client id returns the first one.

    `written_in` is the phase the phone showed when the card was written (empty from a page
    without it): a card that waited on a phone without a connection while that phase ended is
    refused, so the phone gives the words back, rather than stored as part of another phase.

    The card is committed first and the screens are told after (see Session.touch): a room of
    phones posting at once then waits for the session's row only as long as one statement runs.
    """
    try:
        require_open(session)
        if session.phase not in WRITING_PHASES:
            raise ValidationError(
                _("You cannot write cards in the phase “%(phase)s”.")
                % {"phase": session.phase_label()}
            )
        if written_in and written_in != session.phase:
            raise ValidationError(
                _(
                    "You wrote this card in the phase “%(phase)s”, which is over now. "
                    "Here are your words back."
                )
                % {"phase": Phase(written_in).label}
            )
    except ValidationError:
        # A card sent before the session closed or moved on, and sent again: it is stored.
        if (existing := _sent_before(session, client_id)) is not None:
            return existing, False
        raise
    card = Reflection(
        coalition_id=session.coalition_id,
        session=session,
        theme=theme if session.phase == Phase.REFLECT else None,
        kind=kind,
        visibility=visibility,
        is_anonymous=is_anonymous,
        author=participant.member,
        author_role=participant.role,
        participant=participant,
        author_seal=authorship.seal(writer_secret),
        client_id=client_id,
        text=text,
        phase=session.phase,
        # Check-in lines are for everyone at once; reflections wait for the reveal.
        revealed_at=timezone.now() if session.phase == Phase.CHECK_IN else None,
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:
        # Sent again (the phone's retry, or two copies at once): the first one is stored.
        if (existing := _sent_before(session, client_id)) is None:
            raise
        return existing, False
    session.touch(cards=[card])
    return card, True


def _sent_before(session: Session, client_id: uuid.UUID | None) -> Reflection | None:
    """The card stored earlier under this client id, if any. Asked only when storing failed,
    so a new card costs no query for it."""
    if client_id is None:
        return None
    existing = Reflection.objects.filter(session=session, client_id=client_id).first()
    if existing is not None and not existing.changed_at_version:
        # Stored, but the screens were never told (the first request failed right after).
        session.touch(cards=[existing])
    return existing


def own_cards(session: Session, writer_secret: str):
    """The cards this phone wrote in the session: sealed with its secret, whatever the name."""
    seals = Reflection.objects.filter(session=session).exclude(author_seal="")
    mine = authorship.sealed_by(seals.values_list("pk", "author_seal"), writer_secret)
    return Reflection.objects.filter(pk__in=mine)


def get_own_card(session: Session, writer_secret: str, card_id: int) -> Reflection:
    card = Reflection.objects.filter(session=session, pk=card_id).first()
    if card is not None and not authorship.is_sealed_by(card.author_seal, writer_secret):
        card = None
    if card is None:
        raise ValidationError(_("This card is not yours, or it is gone."))
    return card


def _require_editable(session: Session, card: Reflection) -> None:
    require_open(session)
    if card.phase != session.phase:
        raise ValidationError(_("This phase is over; the card can no longer be changed."))


@transaction.atomic
def edit_card(session: Session, card: Reflection, **changes: Any) -> Reflection:
    _require_editable(session, card)
    for field, value in changes.items():
        setattr(card, field, value)
    if card.is_anonymous:
        card.author = None
        card.participant = None
    card.save()
    session.touch(cards=[card])
    return card


@transaction.atomic
def withdraw_card(session: Session, card: Reflection) -> None:
    _require_editable(session, card)
    card_pk = card.pk
    erasures.record_reflections([card_pk])  # a restored backup must not bring it back
    card.delete()
    session.touch(withdrawn=[card_pk])


@transaction.atomic
def reveal(session: Session) -> int:
    """Show the written cards to the group, except those the facilitator holds back."""
    waiting = Reflection.objects.filter(
        session=session, revealed_at__isnull=True, is_held_back=False
    )
    # One statement for however many cards: they take the new version as they are shown.
    version = session.touch(at_once=True)
    return waiting.update(revealed_at=timezone.now(), changed_at_version=version)


@transaction.atomic
def hold_back(session: Session, card: Reflection, *, held_back: bool) -> None:
    """Hold a card back from the group and every member's page, or release it.

    A card released after its theme's cards were shown is shown at once, so releasing it is
    enough to let it reach the group and the coalition's pages.
    """
    card.is_held_back = held_back
    fields = ["is_held_back", "updated_at"]
    if not held_back and card.revealed_at is None and _theme_was_revealed(session, card):
        card.revealed_at = timezone.now()
        fields.append("revealed_at")
    card.save(update_fields=fields)
    session.touch(cards=[card], at_once=True)


def _theme_was_revealed(session: Session, card: Reflection) -> bool:
    if session.is_closed or card.phase != session.phase:
        return True
    if card.phase == Phase.CHANGE:  # stories have no theme: the round's own reveal counts
        alike = Reflection.objects.filter(session=session, phase=Phase.CHANGE)
    else:
        alike = Reflection.objects.filter(session=session, theme=card.theme_id)
    return alike.exclude(revealed_at=None).exists()


@transaction.atomic
def add_group(session: Session, name: str) -> CardGroup:
    require_open(session)
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the group a name."))
    if session.groups.filter(name__iexact=name).exists():
        raise ValidationError(_("There is already a group with this name."))
    group = CardGroup.objects.create(session=session, name=name, position=session.groups.count())
    # Every card on the run page offers the groups, and the board sorts by them: a new layout.
    session.touch(structural=True)
    return group


@transaction.atomic
def assign_group(session: Session, card: Reflection, group: CardGroup | None) -> None:
    if group is not None and group.session_id != session.pk:
        raise ValidationError(_("This group belongs to another session."))
    card.group = group
    card.save(update_fields=["group", "updated_at"])
    session.touch(cards=[card])


def toggle_mark(session: Session, participant: Participant, card: Reflection) -> bool:
    """Give or take back a "this matters" mark; returns whether the card is now marked.

    In the resonance phase on the group's cards, at most three; in the round "Stories of change"
    on one story only, the one that matters most. The two never count against each other.
    """
    story = session.phase == Phase.CHANGE
    require_open(session, Phase.CHANGE if story else Phase.RESONANCE)
    if (
        card.session_id != session.pk
        or not card.is_visible_to_group
        or (card.phase == Phase.CHANGE) != story
    ):
        raise ValidationError(
            _("This story cannot be marked.") if story else _("This card cannot be marked.")
        )
    with transaction.atomic():
        # Lock the participant's row so two quick taps cannot both pass the limit.
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        mark = ResonanceMark.objects.filter(participant=participant, reflection=card).first()
        if mark is not None:
            mark.delete()
        elif marks_given(participant, stories=story) >= (
            ResonanceMark.STORY_LIMIT if story else ResonanceMark.LIMIT
        ):
            raise ValidationError(
                _("You marked a story already. Take that mark back to give it to another story.")
                if story
                else _(
                    "You have used your %(limit)s marks. Take one back to give it to another card."
                )
                % {"limit": ResonanceMark.LIMIT}
            )
        else:
            ResonanceMark.objects.create(participant=participant, reflection=card)
    # Its count of marks changed; told after the commit, as a card is (see post_card).
    session.touch(cards=[card])
    return mark is None


def marks_given(participant: Participant, *, stories: bool) -> int:
    """How many marks the participant gave: on stories of change, or on the other cards."""
    marks = ResonanceMark.objects.filter(participant=participant)
    if stories:
        return marks.filter(reflection__phase=Phase.CHANGE).count()
    return marks.exclude(reflection__phase=Phase.CHANGE).count()


@transaction.atomic
def choose_story(session: Session, story: Reflection, *, why: str) -> None:
    """The facilitator notes the story the group chose as most significant, and why."""
    require_open(session, Phase.CHANGE)
    if story.session_id != session.pk or story.phase != Phase.CHANGE:
        raise ValidationError(_("This story is not one of this session's stories of change."))
    if not story.is_visible_to_group:
        raise ValidationError(_("The group has not seen this story, so it cannot choose it."))
    why = why.strip()
    if not why:
        raise ValidationError(_("Write down why the group chose this story."))
    session.chosen_story = story
    session.chosen_story_why = why
    session.save(update_fields=["chosen_story", "chosen_story_why"])
    # Every screen shows the chosen story above the stories: a new layout.
    session.touch(structural=True)


@transaction.atomic
def add_agreement(
    session: Session, *, what: str, lead: Member | None, due_on: datetime.date | None
) -> Agreement:
    require_open(session, Phase.AGREEMENTS)
    if lead is not None and lead.coalition_id != session.coalition_id:
        raise ValidationError(_("The lead must be a member of this coalition."))
    agreement = Agreement.objects.create(
        coalition_id=session.coalition_id,
        origin_session=session,
        what=what,
        lead=lead,
        due_on=due_on,
    )
    session.touch(at_once=True)
    return agreement


@transaction.atomic
def review_agreement(session: Session, agreement: Agreement, *, status: str, outcome: str) -> None:
    """Look back on an earlier agreement in the agreements phase."""
    require_open(session, Phase.AGREEMENTS)
    if agreement.coalition_id != session.coalition_id:
        raise ValidationError(_("This agreement belongs to another coalition."))
    agreement.status = status
    agreement.outcome = outcome
    agreement.save(update_fields=["status", "outcome", "updated_at"])
    session.touch(at_once=True)


@transaction.atomic
def rate_compass(
    session: Session, participant: Participant, *, scores: dict[Theme, int], rung: str
) -> CompassRating:
    """Store or replace a participant's compass: a score per theme and a rung on the ladder."""
    require_open(session, Phase.COMPASS)
    rating, _created = CompassRating.objects.update_or_create(
        session=session,
        participant=participant,
        defaults={"member": participant.member, "rater_role": participant.role, "rung": rung},
    )
    rating.scores.all().delete()
    CompassScore.objects.bulk_create(
        CompassScore(rating=rating, theme=theme, score=score) for theme, score in scores.items()
    )
    session.touch()
    return rating


@transaction.atomic
def scribe_card(
    session: Session,
    *,
    facilitator: Any,
    text: str,
    kind: str,
    theme: Theme | None,
    member: Member | None,
    photo: UploadedFile | None,
    visibility: str = Reflection.Visibility.COALITION,
    is_anonymous: bool = False,
) -> Reflection:
    """A card the facilitator types for the group, or notes for a named member.

    In the round "Stories of change" it is the story someone told: it has no theme and waits
    for the reveal with the stories the phones wrote, with the teller's choice of who may read
    it and whether their name stands with it.
    """
    require_open(session)
    if member is not None and member.coalition_id != session.coalition_id:
        raise ValidationError(_("This member is not in the coalition of this session."))
    story = session.phase == Phase.CHANGE
    card = Reflection(
        coalition_id=session.coalition_id,
        session=session,
        theme=None if story else theme,
        kind=kind,
        visibility=visibility,
        is_anonymous=is_anonymous,
        author=None if is_anonymous else member,
        author_role=member.role if member is not None else "",  # kept without the name
        noted_by=facilitator,
        text=text,
        phase=session.phase,
        revealed_at=None if story else timezone.now(),
    )
    if photo is not None:
        card.photo.save(f"{uuid.uuid4().hex}.jpg", clean_photo(photo), save=False)
    card.save()
    session.touch(cards=[card])
    return card


def clean_photo(upload: UploadedFile) -> ContentFile:
    """Resize a photo and drop everything but the pixels: no location, no camera data."""
    try:
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((settings.PHOTO_MAX_PIXELS, settings.PHOTO_MAX_PIXELS))
            clean = Image.new("RGB", image.size, "white")
            clean.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This file is not a photo we can read.")) from error
    output = io.BytesIO()
    clean.save(output, format="JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue())
