"""Flip-chart photos, served only to whom may see their card.

Media files are never served openly (not in development either): a photo of a held-back card is
as private as its words, and a guessed file name must open nothing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from coalitions.rules import security_log

from ..models import Reflection
from .live import current_participant


def _may_see(request: HttpRequest, card: Reflection) -> bool:
    user = request.user
    if user.is_authenticated and (
        user.has_perm("pitstops.run_session", card.session)
        or Reflection.objects.visible_to(user).filter(pk=card.pk).exists()
    ):
        return True
    # A phone that joined the session sees what the group sees.
    return card.is_visible_to_group and current_participant(request, card.session_id) is not None


@login_not_required
@require_safe
def card_photo(request: HttpRequest, pk: int, card_pk: int) -> FileResponse:
    card = (
        Reflection.objects.select_related("session")
        .filter(session_id=pk, pk=card_pk)
        .exclude(photo="")
        .first()
    )
    if card is None or not _may_see(request, card):
        security_log.warning("denied photo of card %s to user %s", card_pk, request.user.pk)
        raise Http404
    response = FileResponse(card.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
