"""After the session: what was said, what mattered, what was agreed, and the compass."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coalitions.audit import audited
from coalitions.rules import get_for_user_or_404

from ..board import build_board, card_queryset
from ..models import Reflection, Session


@require_safe
@audited("pitstops:session_summary")
def session_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Cards by theme and group, as far as this reader may see them, never an anonymous name."""
    session = get_for_user_or_404(
        request.user,
        "pitstops.view_session_summary",
        Session.objects.select_related("coalition", "pitstop__expedition"),
        pk=pk,
    )
    visible = Reflection.objects.visible_to(request.user).filter(session=session).values("pk")
    cards = card_queryset(session).filter(pk__in=visible).exclude(is_held_back=True)
    return render(
        request,
        "pitstops/session_summary.html",
        {"session": session, "board": build_board(session, cards)},
    )
