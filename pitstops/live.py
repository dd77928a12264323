"""Taking part in a live session: joining, cards, marks, agreements and the compass.

Each function checks that the session is open and in the right phase, writes inside a
transaction, and bumps the session's version so every screen picks up the change.
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

from coalitions.models import Member, Theme

from .models import (
    Agreement,
    CardGroup,
    CompassRating,
    CompassScore,
    Participant,
    Reflection,
    ResonanceMark,
    Session,
)
from .models.reflections import author_key_for

Phase = Session.Phase
# Phases in which participants write cards; in the reflect phase they stay hidden until revealed.
WRITING_PHASES = {Phase.CHECK_IN, Phase.REFLECT}


def require_open(session: Session, phase: str | None = None) -> None:
    if not session.is_open:
        raise ValidationError(_("This session is closed. Nothing can be added any more."))
    if phase is not None and session.phase != phase:
        raise ValidationError(
            _("That is not possible now: the session is in the phase “%(phase)s”.")
            % {"phase": session.phase_label()}
        )


def join(session: Session, *, member: Member | None = None, guest_name: str = "") -> Participant:
    """Join as a coalition member (the same participant again on a second device) or a guest."""
    require_open(session)
    if member is not None:
        if member.coalition_id != session.coalition_id or not member.is_active:
            raise ValidationError(_("This name is not on the list of this coalition."))
        participant, _created = Participant.objects.get_or_create(session=session, member=member)
        session.attendees.add(member)
    else:
        guest_name = guest_name.strip()
        if not guest_name:
            raise ValidationError(_("Fill in your first name."))
        participant = Participant.objects.create(session=session, guest_name=guest_name)
    session.touch()
    return participant


@transaction.atomic
def post_card(
    session: Session,
    participant: Participant,
    *,
    text: str,
    kind: str,
    visibility: str,
    is_anonymous: bool,
    theme: Theme | None,
    client_id: uuid.UUID | None,
) -> tuple[Reflection, bool]:
    """Store a participant's card once; a retry with the same client id returns the first one."""
    if client_id is not None:
        existing = Reflection.objects.filter(session=session, client_id=client_id).first()
        if existing is not None:
            return existing, False
    require_open(session)
    if session.phase not in WRITING_PHASES:
        raise ValidationError(
            _("You cannot write cards in the phase “%(phase)s”.") % {"phase": session.phase_label()}
        )
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
        author_key=author_key_for(participant.key),
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
        # Two copies of one card arrived at once: the other one won.
        return Reflection.objects.get(session=session, client_id=client_id), False
    session.touch()
    return card, True


def own_cards(session: Session, participant: Participant):
    return Reflection.objects.filter(session=session, author_key=author_key_for(participant.key))


def get_own_card(session: Session, participant: Participant, card_id: int) -> Reflection:
    card = own_cards(session, participant).filter(pk=card_id).first()
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
    session.touch()
    return card


@transaction.atomic
def withdraw_card(session: Session, card: Reflection) -> None:
    _require_editable(session, card)
    card.delete()
    session.touch()


@transaction.atomic
def reveal(session: Session) -> int:
    """Show the written cards to the group, except those the facilitator holds back."""
    count = Reflection.objects.filter(
        session=session, revealed_at__isnull=True, is_held_back=False
    ).update(revealed_at=timezone.now())
    session.touch()
    return count


@transaction.atomic
def hold_back(session: Session, card: Reflection, *, held_back: bool) -> None:
    card.is_held_back = held_back
    card.save(update_fields=["is_held_back", "updated_at"])
    session.touch()


@transaction.atomic
def add_group(session: Session, name: str) -> CardGroup:
    require_open(session)
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the group a name."))
    if session.groups.filter(name__iexact=name).exists():
        raise ValidationError(_("There is already a group with this name."))
    group = CardGroup.objects.create(session=session, name=name, position=session.groups.count())
    session.touch()
    return group


@transaction.atomic
def assign_group(session: Session, card: Reflection, group: CardGroup | None) -> None:
    if group is not None and group.session_id != session.pk:
        raise ValidationError(_("This group belongs to another session."))
    card.group = group
    card.save(update_fields=["group", "updated_at"])
    session.touch()


@transaction.atomic
def toggle_mark(session: Session, participant: Participant, card: Reflection) -> bool:
    """Give or take back a "this matters" mark; returns whether the card is now marked."""
    require_open(session, Phase.RESONANCE)
    if card.session_id != session.pk or not card.is_visible_to_group:
        raise ValidationError(_("This card cannot be marked."))
    # Lock the participant's row so two quick taps cannot both pass the limit.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    mark = ResonanceMark.objects.filter(participant=participant, reflection=card).first()
    if mark is not None:
        mark.delete()
        session.touch()
        return False
    if ResonanceMark.objects.filter(participant=participant).count() >= ResonanceMark.LIMIT:
        raise ValidationError(
            _("You have used your %(limit)s marks. Take one back to give it to another card.")
            % {"limit": ResonanceMark.LIMIT}
        )
    ResonanceMark.objects.create(participant=participant, reflection=card)
    session.touch()
    return True


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
    session.touch()
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
    session.touch()


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
) -> Reflection:
    """A card the facilitator types for the group, or notes for a named member."""
    require_open(session)
    if member is not None and member.coalition_id != session.coalition_id:
        raise ValidationError(_("This member is not in the coalition of this session."))
    card = Reflection(
        coalition_id=session.coalition_id,
        session=session,
        theme=theme,
        kind=kind,
        visibility=Reflection.Visibility.COALITION,
        author=member,
        noted_by=facilitator,
        text=text,
        phase=session.phase,
        revealed_at=timezone.now(),
    )
    if photo is not None:
        card.photo.save(f"{uuid.uuid4().hex}.jpg", clean_photo(photo), save=False)
    card.save()
    session.touch()
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
