"""Writes of the synthesis: small keyword-only functions, each one transaction.

Red threads are saved with optimistic locking: the writer sends the version they started from,
and the save goes through only if nobody saved in between (one UPDATE ... WHERE version = n).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalitions.models import Member
from coalitions.services import email_of, send_mail_after_commit

from ..models import Pitstop, RedThread, Reflection
from ..models.follow_up import StaleVersion

FOREIGN_EVIDENCE = _(
    "This reflection cannot be used here: it belongs to another expedition, or you may not read it."
)


def mark_report_changed(pitstop: Pitstop) -> None:
    """After publishing, every change to what readers see shows "updated on …"."""
    if pitstop.is_report_published:
        pitstop.report_updated_at = timezone.now()
        Pitstop.objects.filter(pk=pitstop.pk).update(report_updated_at=pitstop.report_updated_at)


def _shows_in_report(thread: RedThread) -> bool:
    return thread.status == RedThread.Status.PUBLISHED


def _check_continues(pitstop: Pitstop, continues: RedThread | None) -> None:
    # The form offers only these; checked here too, so no other caller can link across
    # expeditions or to the same or a later round.
    if continues is None:
        return
    earlier = continues.pitstop
    if earlier.expedition_id != pitstop.expedition_id or earlier.number >= pitstop.number:
        raise ValidationError(
            {"continues": _("Choose a red thread of an earlier pitstop of this expedition.")}
        )


@transaction.atomic
def create_red_thread(
    *,
    pitstop: Pitstop,
    title: str,
    text: str,
    status: str,
    themes: Any,
    continues: RedThread | None = None,
) -> RedThread:
    _check_continues(pitstop, continues)
    last = pitstop.red_threads.aggregate(last=Max("position"))["last"]
    thread = RedThread.objects.create(
        pitstop=pitstop,
        title=title,
        text=text,
        status=status,
        continues=continues,
        position=(last or 0) + 1,
    )
    thread.themes.set(themes)
    if _shows_in_report(thread):
        mark_report_changed(pitstop)
    return thread


@transaction.atomic
def save_red_thread(
    *,
    thread: RedThread,
    version: int,
    title: str,
    text: str,
    status: str,
    themes: Any,
    continues: RedThread | None = None,
) -> RedThread:
    """Save, or raise StaleVersion (holding what is saved now) if someone saved in between."""
    _check_continues(thread.pitstop, continues)
    was_shown = _shows_in_report(thread)
    now = timezone.now()
    published_at = thread.published_at
    if status == RedThread.Status.PUBLISHED and published_at is None:
        published_at = now
    saved = RedThread.objects.filter(pk=thread.pk, version=version).update(
        title=title,
        text=text,
        status=status,
        published_at=published_at,
        continues=continues,
        version=F("version") + 1,
        updated_at=now,
    )
    if not saved:
        current = RedThread.objects.filter(pk=thread.pk).first()
        if current is None:
            raise ValidationError(_("This red thread was deleted in the meantime."))
        raise StaleVersion(current)
    thread.refresh_from_db()
    thread.themes.set(themes)
    if was_shown or _shows_in_report(thread):
        mark_report_changed(thread.pitstop)
    return thread


@transaction.atomic
def delete_red_thread(*, thread: RedThread) -> None:
    if not thread.is_draft:
        raise ValidationError(
            _("Only a draft can be deleted. Set it back to draft first."), code="not_draft"
        )
    thread.delete()


@transaction.atomic
def move_red_thread(*, thread: RedThread, direction: str) -> None:
    """One place up or down; positions are renumbered 1..n on the way."""
    threads = list(
        RedThread.objects.select_for_update()
        .filter(pitstop_id=thread.pitstop_id)
        .order_by("position", "pk")
    )
    index = next(i for i, other in enumerate(threads) if other.pk == thread.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(threads):
        threads[index], threads[target] = threads[target], threads[index]
    for position, other in enumerate(threads, start=1):
        if other.position != position:
            RedThread.objects.filter(pk=other.pk).update(position=position)
    if any(_shows_in_report(other) for other in threads):
        mark_report_changed(thread.pitstop)


def evidence_candidates(*, thread: RedThread, user: Any) -> Any:
    """Reflections that may become this red thread's evidence: of its expedition, readable."""
    return Reflection.objects.visible_to(user).filter(
        coalition__expedition_id=thread.pitstop.expedition_id
    )


@transaction.atomic
def add_evidence(*, thread: RedThread, reflection_id: int, user: Any) -> Reflection:
    reflection = evidence_candidates(thread=thread, user=user).filter(pk=reflection_id).first()
    if reflection is None:
        raise ValidationError(FOREIGN_EVIDENCE, code="foreign")
    thread.evidence.add(reflection)
    if _shows_in_report(thread):
        mark_report_changed(thread.pitstop)
    return reflection


@transaction.atomic
def remove_evidence(*, thread: RedThread, reflection_id: int) -> None:
    thread.evidence.remove(reflection_id)
    if _shows_in_report(thread):
        mark_report_changed(thread.pitstop)


@transaction.atomic
def save_introduction(*, pitstop: Pitstop, introduction: str, plain_introduction: str) -> None:
    pitstop.introduction = introduction
    pitstop.plain_introduction = plain_introduction
    pitstop.save(update_fields=["introduction", "plain_introduction"])
    mark_report_changed(pitstop)


def report_readers(pitstop: Pitstop) -> list[str]:
    """The addresses of everyone publishing shows the report to: coordinators and members."""
    expedition = pitstop.expedition
    addresses = [user.email for user in expedition.coordinators.all() if user.email]
    members = Member.objects.active().filter(coalition__expedition=expedition)
    addresses += [email_of(member) for member in members.select_related("user")]
    return sorted({address.lower() for address in addresses if address})


@transaction.atomic
def publish_report(*, pitstop: Pitstop, report_url: str) -> list[str]:
    """Publish (or publish again after changes) and e-mail every reader a link, once committed.

    One e-mail per person: readers never see each other's addresses.
    """
    pitstop = Pitstop.objects.select_for_update().select_related("expedition").get(pk=pitstop.pk)
    first_time = not pitstop.is_report_published
    if first_time:
        pitstop.report_published_at = timezone.now()
        pitstop.report_updated_at = None
    else:
        pitstop.report_updated_at = timezone.now()
    pitstop.save(update_fields=["report_published_at", "report_updated_at"])
    readers = report_readers(pitstop)
    subject = (
        _("The report of %(pitstop)s is published")
        if first_time
        else _("The report of %(pitstop)s is updated")
    )
    for address in readers:
        send_mail_after_commit(
            subject=subject,
            template="pitstops/email/report_published.txt",
            context={
                "pitstop": str(pitstop),
                "expedition": str(pitstop.expedition),
                "url": report_url,
                "first_time": first_time,
                "site": settings.SITE_URL,
            },
            to=address,
        )
    return readers
