"""Agreements: create, update (status and what came of it), ask for help, and the review list.

The agreements page doubles as the list the facilitator goes through at the next session:
requests for help first, then what is overdue, what is still open, and what was finished or
dropped since the last session.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pitstops.models import Agreement

from ..forms import AgreementForm, HelpForm
from ..models import AgreementReminder
from ..services import CLOSED_STATUSES, ask_for_help, save_agreement
from .space import Space, get_space, open_help_requests

PAGE_SIZE = 30
MANAGE = "coalitions.manage_agreements"


def _list_url(space: Space) -> str:
    return reverse(
        "coalitions:agreements",
        kwargs={"expedition": space.coalition.expedition.slug, "slug": space.coalition.slug},
    )


def with_answers(agreements):
    """Each agreement with its lead and the lead's answers to reminders (`answers`)."""
    return agreements.select_related("lead").prefetch_related(
        Prefetch(
            "reminders",
            queryset=AgreementReminder.objects.exclude(answer="").order_by("-answered_at"),
            to_attr="answers",
        )
    )


@require_http_methods(["GET", "HEAD", "POST"])
def agreements(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """The review list; a POST adds an agreement."""
    space = get_space(request, expedition, slug, MANAGE)
    coalition = space.coalition
    form = AgreementForm(request.POST or None, coalition=coalition)
    if request.method == "POST" and form.is_valid():
        save_agreement(agreement=form.save(commit=False), coalition=coalition)
        messages.success(request, _("The agreement is added."))
        return redirect(_list_url(space))
    all_agreements = Agreement.objects.filter(coalition=coalition)
    today = timezone.localdate()
    last_session = coalition.sessions.filter(held_on__lte=today).aggregate(last=Max("held_on"))
    since = last_session["last"]
    closed = all_agreements.filter(status__in=CLOSED_STATUSES)
    if since:
        closed = closed.filter(updated_at__date__gte=since)
    # Overdue ones have their own section above; here what is still on time.
    on_time = all_agreements.pending().filter(Q(due_on__isnull=True) | Q(due_on__gte=today))
    pending = with_answers(on_time.order_by("due_on", "pk"))
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coalitions/space/agreements.html",
        {
            "coalition": coalition,
            "space": space,
            "form": form,
            "help_requests": open_help_requests(coalition),
            "overdue": with_answers(all_agreements.overdue().order_by("due_on", "pk"))[:50],
            "page_obj": page,
            "closed": with_answers(closed.order_by("-updated_at"))[:50],
            "since": since,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def agreement_edit(request: HttpRequest, expedition: str, slug: str, pk: int) -> HttpResponse:
    space = get_space(request, expedition, slug, MANAGE)
    agreement = get_object_or_404(
        Agreement.objects.select_related("lead"), pk=pk, coalition=space.coalition
    )
    open_help = agreement.help_requests.open().select_related("asked_by").first()
    form = AgreementForm(
        request.POST or None,
        instance=agreement,
        coalition=space.coalition,
        has_open_help=open_help is not None,
    )
    if request.method == "POST" and form.is_valid():
        save_agreement(
            agreement=form.save(commit=False),
            coalition=space.coalition,
            help_arranged=form.cleaned_data.get("help_arranged", False),
        )
        messages.success(request, _("The agreement is saved."))
        return redirect(_list_url(space))
    return _edit_page(request, space, agreement, form=form, open_help=open_help)


def _edit_page(
    request: HttpRequest,
    space: Space,
    agreement: Agreement,
    *,
    form: AgreementForm | None = None,
    help_form: HelpForm | None = None,
    open_help: object = None,
) -> HttpResponse:
    return render(
        request,
        "coalitions/space/agreement_edit.html",
        {
            "coalition": space.coalition,
            "space": space,
            "form": form or AgreementForm(instance=agreement, coalition=space.coalition),
            "agreement": agreement,
            "open_help": open_help,
            "help_form": help_form or HelpForm(),
        },
    )


@require_POST
def agreement_help(request: HttpRequest, expedition: str, slug: str, pk: int) -> HttpResponse:
    """A member asks the coalition and the facilitators for a hand with an agreement."""
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    agreement = get_object_or_404(
        Agreement.objects.filter(~Q(status__in=CLOSED_STATUSES)), pk=pk, coalition=space.coalition
    )
    form = HelpForm(request.POST)
    if not form.is_valid():
        # Show the form again with what was typed and why it did not work.
        return _edit_page(request, space, agreement, help_form=form)
    ask_for_help(agreement=agreement, member=space.member, note=form.cleaned_data["note"])
    messages.success(request, _("Your request for help is shared with the coalition."))
    return redirect(_list_url(space))
