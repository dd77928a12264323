"""Home, health check and the overview of an expedition.

The coalition's own space has a module per topic in this package.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from expeditie import offline
from pitstops.models import Pitstop, Session

from ..models import Expedition, GuidingQuestion, Member
from ..rules import get_for_user_or_404


@require_safe
@offline.offers_copy
def home(request: HttpRequest) -> HttpResponse:
    """Where this user can go: their coalitions, the expeditions they run or follow.

    The installed app opens here, so the phone keeps it for this signed-in session.
    """
    user = request.user
    offline.offer_copy(request, offline.account_viewer(request))
    memberships = Member.objects.of_user(user).select_related("coalition__expedition")
    facilitated = (
        Expedition.objects.all() if user.is_superuser else user.facilitated_expeditions.all()
    )
    coordinated = user.coordinated_expeditions.all()
    reports = (
        Pitstop.objects.filter(report_published_at__isnull=False)
        .filter(
            Q(expedition__in=coordinated.values("pk"))
            | Q(expedition__coalitions__in=memberships.values("coalition_id"))
        )
        .select_related("expedition")
        .distinct()
    )
    return render(
        request,
        "coalitions/home.html",
        {
            "memberships": memberships,
            "facilitated": facilitated,
            "coordinated": coordinated,
            "reports": reports,
        },
    )


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers, and the trivial view every benchmark is compared with."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
def expedition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    expedition = get_for_user_or_404(
        request.user, "coalitions.view_expedition", Expedition, slug=slug
    )
    coalitions = expedition.coalitions.annotate(
        residents=Count(
            "members", filter=Q(members__role=Member.Role.RESIDENT, members__is_active=True)
        ),
        professionals=Count(
            "members", filter=Q(members__role=Member.Role.PROFESSIONAL, members__is_active=True)
        ),
    )
    pitstops = expedition.pitstops.annotate(session_count=Count("sessions")).prefetch_related(
        Prefetch("sessions", queryset=Session.objects.select_related("coalition"))
    )
    themes = expedition.themes.prefetch_related(
        Prefetch("questions", queryset=GuidingQuestion.objects.order_by("position"))
    )
    return render(
        request,
        "coalitions/expedition_detail.html",
        {
            "expedition": expedition,
            "coalitions": coalitions,
            "pitstops": pitstops,
            "themes": themes,
            "can_see_coalitions": request.user.has_perm("pitstops.view_drafts", expedition),
            "can_see_overview": request.user.has_perm("coalitions.view_overview", expedition),
        },
    )
