"""Keep the overview's summary rows current: recount a reflection's bucket once it is committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Reflection, ReflectionTally, Session
from .models.tallies import refresh_reflection_tally


def _recount_after_commit(reflection: Reflection) -> None:
    coalition_id, session_id = reflection.coalition_id, reflection.session_id
    # After the commit, so the recount sees the change and a rolled-back write changes nothing.
    # Robust: a recount that fails (the coalition deleted meanwhile) is logged, and the card
    # that was just saved is not answered with an error; refresh_overview puts it right.
    transaction.on_commit(
        lambda: refresh_reflection_tally(coalition_id=coalition_id, session_id=session_id),
        robust=True,
    )


@receiver(post_save, sender=Reflection, dispatch_uid="overview-reflection-saved")
def reflection_saved(sender: type, instance: Reflection, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _recount_after_commit(instance)


@receiver(post_delete, sender=Reflection, dispatch_uid="overview-reflection-deleted")
def reflection_deleted(sender: type, instance: Reflection, **kwargs: Any) -> None:
    _recount_after_commit(instance)


@receiver(post_delete, sender=Session, dispatch_uid="overview-session-deleted")
def session_deleted(sender: type, instance: Session, **kwargs: Any) -> None:
    """Its cards went with it: so do their counts."""
    ReflectionTally.objects.filter(
        coalition_id=instance.coalition_id, pitstop_key=instance.pitstop_id
    ).delete()
