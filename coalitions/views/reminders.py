"""The lead's one-tap answer to a reminder, without logging in.

The e-mail's link carries a signed token. Its GET changes nothing but the session: the token is
swapped for a session entry at once (with a fresh session key) and the browser is sent on to a
URL without the token, where three big buttons POST the answer. See coalitions.reminders.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ..forms import ReminderAnswerForm
from ..models import AgreementReminder
from ..reminders import (
    SESSION_KEY,
    ReminderLinkError,
    answer_reminder,
    open_reminder,
    reminder_from_token,
)


def _link_problem(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "coalitions/space/reminder_problem.html", {"message": message}, status=400
    )


@login_not_required
@never_cache
@require_safe
def reminder_link(request: HttpRequest, token: str) -> HttpResponse:
    """Swap the token for a session entry; no answer is given by opening the link."""
    try:
        reminder = reminder_from_token(token)
    except ReminderLinkError as error:
        return _link_problem(request, error.message)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"reminder": reminder.pk, "lead": reminder.lead_id}
    return redirect("coalitions:reminder_answer")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_answer(request: HttpRequest) -> HttpResponse:
    """Done, not yet, or I need help: one tap, and the link is used up."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return _link_problem(request, _("Open the link in your e-mail again, please."))
    try:
        reminder = open_reminder(data.get("reminder"), data.get("lead"))
    except ReminderLinkError as error:
        request.session.pop(SESSION_KEY, None)
        return _link_problem(request, error.message)
    form = ReminderAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = answer_reminder(
                reminder_id=reminder.pk,
                lead_id=reminder.lead_id,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
            )
        except ReminderLinkError as error:
            return _link_problem(request, error.message)
        finally:
            request.session.pop(SESSION_KEY, None)
        return render(
            request,
            "coalitions/space/reminder_thanks.html",
            {
                "agreement": agreement,
                "answer": form.cleaned_data["answer"],
                "Answer": AgreementReminder.Answer,
            },
        )
    return render(
        request,
        "coalitions/space/reminder_answer.html",
        {
            "reminder": reminder,
            "agreement": reminder.agreement,
            "form": form,
            "Answer": AgreementReminder.Answer,
        },
    )
