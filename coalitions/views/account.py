"""The signed-in person's own pages: where they are signed in, their data, erasing themselves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from expeditie.offline import forgets_offline_copies

from ..accounts import log_out_everywhere
from ..forms import EraseForm
from ..models import AccountSession, Member
from ..privacy import erase_account, personal_data


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
@forgets_offline_copies
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """For a lost phone, or a computer in the community centre someone forgot to log out of."""
    ended = log_out_everywhere(request)
    messages.success(
        request,
        _("You are logged out on every device (%(count)s). Log in again to go on.")
        % {"count": ended},
    )
    return redirect("login")


@require_safe
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything Pitstop holds about you, readable; the same as a JSON file to take along."""
    data = personal_data(request.user)
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="pitstop-mijn-gegevens.json"'
        return response
    return render(request, "coalitions/my_data.html", {"data": data})


@require_http_methods(["GET", "HEAD", "POST"])
@forgets_offline_copies
def erase(request: HttpRequest) -> HttpResponse:
    """Erase yourself: your name is gone everywhere; your named words stay without it, or go."""
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        erase_account(request.user, keep_words=form.cleaned_data["words"] == EraseForm.KEEP)
        logout(request)
        messages.success(request, _("You are erased from Pitstop. Thank you for taking part."))
        return redirect("login")
    return render(request, "coalitions/erase.html", {"form": form})
