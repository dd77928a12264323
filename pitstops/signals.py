"""Keep the overview's summary rows current: count a reflection in its bucket once committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Reflection, ReflectionTally, Session
from .models.tallies import count_reflection, refresh_reflection_tally


def _after_commit(count: Callable[[], None]) -> None:
    # After the commit, so a rolled-back write changes nothing. Robust: a count that fails (the
    # coalition deleted meanwhile) is logged, and the card that was just saved is not answered
    # with an error; the nightly refresh_overview puts it right.
    transaction.on_commit(count, robust=True)


@receiver(post_save, sender=Reflection, dispatch_uid="overview-reflection-saved")
def reflection_saved(
    sender: type, instance: Reflection, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before = None if created else getattr(instance, "counted_in", None)
    now = instance.tally_bucket()
    if now is None or (before is None and not created):
        # Where it was counted is not known (fields not loaded): recount where it is now.
        coalition_id, session_id = instance.coalition_id, instance.session_id
        _after_commit(
            lambda: refresh_reflection_tally(coalition_id=coalition_id, session_id=session_id)
        )
    elif before != now:
        if before is not None:
            _after_commit(lambda: count_reflection(before, by=-1))
        _after_commit(lambda: count_reflection(now, by=1))
    instance.counted_in = now


@receiver(post_delete, sender=Reflection, dispatch_uid="overview-reflection-deleted")
def reflection_deleted(sender: type, instance: Reflection, **kwargs: Any) -> None:
    counted_in = getattr(instance, "counted_in", None) or instance.tally_bucket()
    if counted_in is not None:
        _after_commit(lambda: count_reflection(counted_in, by=-1))


@receiver(post_delete, sender=Session, dispatch_uid="overview-session-deleted")
def session_deleted(sender: type, instance: Session, **kwargs: Any) -> None:
    """Its cards went with it: so do their counts."""
    ReflectionTally.objects.filter(
        coalition_id=instance.coalition_id, pitstop_key=instance.pitstop_id
    ).delete()
