"""The coalition home: what is new, agreements, the plan of small things, the journey, members.

Every list here is cut to a few items (with a link to the full, paginated page), so the page
asks the database the same number of questions with ten items or with a thousand.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from expeditie import offline
from pitstops.models import Agreement, RedThread, Reflection

from ..audit import audited
from ..forms import SmallThingForm, TamtamForm
from ..models import Coalition, HelpRequest, Member, SmallThing, TamtamPost
from ..rules import get_for_user_or_404, security_log
from ..services import membership_in

HOME_TAMTAM = 5
HOME_SMALL_THINGS = 8
HOME_AGREEMENTS = 6
HOME_REFLECTIONS = 5
WRITE = "coalitions.write_in_space"


@dataclass
class Space:
    """A coalition as one user sees it; `member` is None for facilitators and superusers."""

    coalition: Coalition
    member: Member | None

    @property
    def can_write(self) -> bool:
        return self.member is not None


def get_space(
    request: HttpRequest, expedition: str, slug: str, perm: str = "coalitions.view_coalition"
) -> Space:
    """The coalition, if this user may use it for `perm`; everyone else gets a 404."""
    coalition = get_for_user_or_404(
        request.user,
        perm,
        Coalition.objects.select_related("expedition"),
        expedition__slug=expedition,
        slug=slug,
    )
    member = membership_in(request.user, coalition)
    if perm == WRITE and member is None:
        # A superuser passes every permission check but has no member to write as.
        security_log.warning("no membership to write in %r for user %s", coalition, request.user.pk)
        raise Http404
    if member is not None:
        member.coalition = coalition  # saves a query wherever member.coalition is used
    return Space(coalition=coalition, member=member)


def open_help_requests(coalition: Coalition) -> QuerySet[HelpRequest]:
    return (
        HelpRequest.objects.open()
        .filter(agreement__coalition=coalition)
        .select_related("agreement__lead", "asked_by")
    )


def tamtam_context(
    space: Space, *, form: TamtamForm | None = None, posts: Any = None, limit: int = HOME_TAMTAM
) -> dict[str, Any]:
    """What the tamtam part shows: the form and the newest posts (or a page of them)."""
    if posts is None:
        recent = list(TamtamPost.objects.filter(coalition=space.coalition).for_list()[: limit + 1])
        posts, more = recent[:limit], len(recent) > limit
    else:
        more = False
    return {
        "space": space,
        "tamtam_form": form or TamtamForm(),
        "tamtam_posts": posts,
        "tamtam_more": more,
    }


def plan_context(
    space: Space,
    *,
    form: SmallThingForm | None = None,
    things: Any = None,
    limit: int = HOME_SMALL_THINGS,
) -> dict[str, Any]:
    """What the plan part shows: the resident-led share, the quick form and the newest items."""
    all_things = SmallThing.objects.filter(coalition=space.coalition)
    if things is None:
        recent = list(all_things.for_list()[: limit + 1])
        things, more = recent[:limit], len(recent) > limit
    else:
        more = False
    if form is None:
        form = SmallThingForm(coalition=space.coalition, initial={"lead": space.member})
    return {
        "space": space,
        "plan_form": form,
        "small_things": things,
        "plan_more": more,
        "share": all_things.resident_share(),
    }


def journey(coalition: Coalition, sessions: list[Any]) -> list[tuple[datetime.date, str, Any]]:
    """The coalition's milestones, oldest first: start, sessions, reports, agreements done."""
    steps: list[tuple[datetime.date, str, Any]] = [
        (coalition.expedition.starts_on, "start", coalition.expedition)
    ]
    for session in sessions:
        steps.append((session.held_on, "session", session))
        if session.pitstop.report_published_at:
            steps.append((session.pitstop.report_published_at.date(), "report", session.pitstop))
    done = (
        Agreement.objects.filter(coalition=coalition, status=Agreement.Status.DONE)
        .only("what", "updated_at")
        .order_by("-updated_at")[:5]
    )
    steps.extend((agreement.updated_at.date(), "done", agreement) for agreement in done)
    return sorted(steps, key=lambda step: step[0])


@require_safe
@audited("coalitions:coalition")
@offline.offers_copy
def coalition_home(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """The coalition's own space: the page members open between pitstops.

    A member's phone may keep it to open without a connection. Not a facilitator's: theirs
    can hold words for the facilitators only, and each time they read those is on record.
    """
    space = get_space(request, expedition, slug)
    coalition = space.coalition
    if space.member is not None:
        offline.offer_copy(request, offline.account_viewer(request))
    agreements = Agreement.objects.filter(coalition=coalition).pending()
    sessions = list(coalition.sessions.select_related("pitstop").order_by("held_on"))
    pending = list(agreements.select_related("lead").order_by("due_on", "pk")[:HOME_AGREEMENTS])
    return render(
        request,
        "coalitions/space/home.html",
        {
            "coalition": coalition,
            "space": space,
            "help_requests": open_help_requests(coalition)[:10],
            "agreements": pending,
            "agreement_count": agreements.count(),
            "overdue_count": agreements.overdue().count(),
            "sessions": sessions,
            "red_threads": RedThread.objects.published()
            .filter(pitstop__in=[session.pitstop_id for session in sessions])
            .select_related("pitstop")[:10],
            "journey": journey(coalition, sessions),
            "reflections": Reflection.objects.visible_to(request.user)
            .filter(coalition=coalition)
            .select_related("theme", "author")[:HOME_REFLECTIONS],
            "members": coalition.members.active(),
            **tamtam_context(space),
            **plan_context(space),
        },
    )
