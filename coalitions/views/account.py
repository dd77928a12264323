"""The signed-in person's own page: where they are signed in, and logging out everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..accounts import log_out_everywhere
from ..models import AccountSession, Member


@require_safe
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coalitions/account.html",
        {
            "memberships": Member.objects.of_user(request.user).select_related(
                "coalition__expedition"
            ),
            "session_count": AccountSession.objects.filter(user=request.user).count(),
        },
    )


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """For a lost phone, or a computer in the community centre someone forgot to log out of."""
    ended = log_out_everywhere(request)
    messages.success(
        request,
        _("You are logged out on every device (%(count)s). Log in again to go on.")
        % {"count": ended},
    )
    return redirect("login")
