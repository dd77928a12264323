"""A coalition's journey across the pitstops, for its members, its team and the coordinators."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coalitions.models import Coalition
from coalitions.rules import get_for_user_or_404

from ..journey import build_journey


@require_safe
def journey(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """The timeline of a coalition's pitstops: words first, each chart with its table.

    Members and the facilitation team see all of it; coordinators what is published or
    counted (see `pitstops.journey`); everyone else gets a 404.
    """
    coalition = get_for_user_or_404(
        request.user,
        "pitstops.view_journey",
        Coalition.objects.select_related("expedition"),
        expedition__slug=expedition,
        slug=slug,
    )
    full = request.user.has_perm("pitstops.view_journey_in_full", coalition)
    return render(
        request,
        "pitstops/journey.html",
        {"coalition": coalition, "journey": build_journey(coalition, full=full)},
    )
