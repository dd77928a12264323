"""The published write-up of a pitstop round."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coalitions.rules import get_for_user_or_404

from ..models import Pitstop, RedThread, Reflection


@require_safe
def report(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """Red threads with quotes whose authors consented, never with a name."""
    pitstop = get_for_user_or_404(
        request.user,
        "pitstops.view_report",
        Pitstop.objects.select_related("expedition"),
        expedition__slug=expedition,
        number=number,
    )
    threads = pitstop.red_threads.all()
    shows_drafts = request.user.has_perm("pitstops.view_drafts", pitstop)
    if not shows_drafts:
        threads = threads.published()
    threads = threads.prefetch_related(
        "themes",
        Prefetch(
            "evidence",
            queryset=Reflection.objects.quotable().select_related("theme"),
            to_attr="quotes",
        ),
    )
    return render(
        request,
        "pitstops/report.html",
        {
            "pitstop": pitstop,
            "threads": threads,
            "shows_drafts": shows_drafts,
            "draft_status": RedThread.Status.DRAFT,
        },
    )
