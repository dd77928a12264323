"""Every permission in Pitstop, in one module (django-rules predicates).

Roles are per expedition: facilitator, coordinator, and member of a coalition. Residents and
professionals are both plain members: no rule here looks at a member's role.
"""

from __future__ import annotations

import logging
from typing import Any

import rules
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

from coalitions.models import Coalition, Expedition, Member

security_log = logging.getLogger("pitstop.security")


def expedition_id_of(obj: Any) -> int | None:
    """The expedition an object belongs to, following its foreign keys."""
    if isinstance(obj, Expedition):
        return obj.pk
    for attribute in ("expedition_id", "coalition", "pitstop"):
        value = getattr(obj, attribute, None)
        if value is not None:
            return value if attribute == "expedition_id" else expedition_id_of(value)
    return None


def coalition_id_of(obj: Any) -> int | None:
    if isinstance(obj, Coalition):
        return obj.pk
    return getattr(obj, "coalition_id", None)


@rules.predicate
def is_facilitator(user, obj) -> bool:
    return obj is not None and (
        user.facilitated_expeditions.filter(pk=expedition_id_of(obj)).exists()
    )


@rules.predicate
def is_coordinator(user, obj) -> bool:
    return obj is not None and (
        user.coordinated_expeditions.filter(pk=expedition_id_of(obj)).exists()
    )


@rules.predicate
def is_coalition_member(user, obj) -> bool:
    coalition_id = coalition_id_of(obj)
    return coalition_id is not None and (
        Member.objects.of_user(user).filter(coalition_id=coalition_id).exists()
    )


@rules.predicate
def is_expedition_member(user, obj) -> bool:
    """A member of any coalition on the expedition."""
    return obj is not None and (
        Member.objects.of_user(user).filter(coalition__expedition=expedition_id_of(obj)).exists()
    )


@rules.predicate
def is_report_published(user, pitstop) -> bool:
    return pitstop is not None and pitstop.is_report_published


is_superuser = rules.is_superuser
runs_expedition = is_facilitator | is_superuser

rules.add_perm("coalitions.view_expedition", runs_expedition | is_coordinator)
rules.add_perm("coalitions.view_coalition", runs_expedition | is_coalition_member)
rules.add_perm(
    "pitstops.view_report",
    runs_expedition | ((is_coordinator | is_expedition_member) & is_report_published),
)
rules.add_perm("pitstops.view_drafts", runs_expedition)
# A coalition's journey across the pitstops. Its members and the expedition's facilitation team
# see all of it; coordinators only what is published or counted under the fewer-than-3 rule
# (pitstops/journey.py decides what that leaves); other coalitions and strangers get a 404.
rules.add_perm("pitstops.view_journey", runs_expedition | is_coalition_member | is_coordinator)
rules.add_perm("pitstops.view_journey_in_full", runs_expedition | is_coalition_member)
# The cross-coalition overview: figures and consented quotes, never private words or names.
rules.add_perm("coalitions.view_overview", runs_expedition | is_coordinator)
# The synthesis workspace, red threads in the making, the introduction and publishing the report:
# the expedition's facilitation team (and superusers). Members, coordinators and facilitators of
# other expeditions get a 404.
rules.add_perm("pitstops.synthesise", runs_expedition)
# Suggested red threads read the whole round, held-back and facilitators-only words included.
rules.add_perm("pitstops.suggest_red_threads", runs_expedition)


# Live sessions. Participants take part by join code and a signed cookie, not by these rules.
@rules.predicate
def is_session_facilitator(user, session) -> bool:
    return session is not None and session.facilitators.filter(pk=user.pk).exists()


@rules.predicate
def is_session_closed(user, session) -> bool:
    return session is not None and session.is_closed


rules.add_perm("pitstops.add_session", runs_expedition)
rules.add_perm("pitstops.run_session", is_session_facilitator | is_superuser)
rules.add_perm(
    "pitstops.view_session_summary",
    runs_expedition | is_session_facilitator | (is_coalition_member & is_session_closed),
)


def get_for_user_or_404[M: models.Model](
    user: Any, perm: str, queryset: type[M] | models.QuerySet[M], **lookup: Any
) -> M:
    """The object, if this user may have it; outsiders get a 404, and the refusal is logged."""
    obj = get_object_or_404(queryset, **lookup)
    if not user.has_perm(perm, obj):
        security_log.warning("denied %s on %r to user %s", perm, obj, user.pk)
        raise Http404
    return obj


# The coalition's own space
# Between pitstops a coalition keeps its reflections, agreements, plan of small things and tamtam.
# Its active members and the expedition's facilitators (and superusers) see it; coordinators,
# other coalitions and strangers get a 404. Writing in it takes a membership, because everything
# written there carries a member (or, for anonymous words, a seal of the writer's session). No
# rule here looks at a member's role: residents and professionals do exactly the same things.


@rules.predicate
def is_reflection_author(user, words) -> bool:
    """The member who wrote it; for anonymous words, only with the writer secret they were
    sealed with (`words` is a pitstops.authorship.OwnWords)."""
    from coalitions.services import is_author_of

    if words is None:
        return False
    member = Member.objects.of_user(user).filter(coalition_id=words.coalition_id).first()
    return member is not None and is_author_of(member, words.reflection, words.writer_secret)


rules.add_perm("coalitions.write_in_space", is_coalition_member)
rules.add_perm("coalitions.manage_agreements", runs_expedition | is_coalition_member)
rules.add_perm("coalitions.change_own_reflection", is_reflection_author)
