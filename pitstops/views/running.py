"""The facilitator's side: prepare a session, run it from a laptop, show it on a projector."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalitions.audit import audited
from coalitions.models import Expedition
from coalitions.rules import get_for_user_or_404

from .. import live
from ..board import build_board, build_delta, card_queryset
from ..forms import (
    AgreementForm,
    CardActionForm,
    ChooseStoryForm,
    ControlForm,
    GroupForm,
    ReviewForm,
    ScribeForm,
    SessionForm,
    require_valid,
)
from ..models import Agreement, Session
from .live import (
    fragment_etag,
    live_not_modified,
    mark_delta,
    mark_fragment,
    not_modified,
    shown_version,
)

RUN = "pitstops.run_session"


def get_session_to_run(request: HttpRequest, pk: int) -> Session:
    return get_for_user_or_404(
        request.user,
        RUN,
        Session.objects.select_related("coalition", "pitstop__expedition", "current_theme"),
        pk=pk,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def session_create(request: HttpRequest, slug: str) -> HttpResponse:
    expedition = get_for_user_or_404(request.user, "pitstops.add_session", Expedition, slug=slug)
    form = SessionForm(request.POST or None, expedition=expedition)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            session = form.save()
            session.facilitators.add(request.user)
        messages.success(request, _("The session is ready. Open it when the group is there."))
        return redirect(session)
    return render(request, "pitstops/session_form.html", {"form": form, "expedition": expedition})


def join_url(request: HttpRequest, session: Session) -> str:
    return request.build_absolute_uri(f"{reverse('pitstops:join')}?code={session.join_code}")


def qr_svg(url: str) -> str:
    """The join link as an inline SVG, made here: no outside service sees the code."""
    output = io.BytesIO()
    segno.make(url, error="m").save(
        output, kind="svg", scale=6, border=2, xmldecl=False, title=_("QR code to join")
    )
    return output.getvalue().decode()


LIVE_SCREENS = {"run": "pitstops/session_run.html", "board": "pitstops/session_board.html"}


def _live_response(request: HttpRequest, session_id: int, kind: str) -> HttpResponse:
    """The board or the run page; to a poll (htmx), its live part."""
    if request.htmx:
        return live_answer(request, session_id, kind, shown_version(request))
    return _live_page(request, get_session_to_run(request, session_id), kind)


def live_answer(
    request: HttpRequest, session_id: int, kind: str, shown: int | None
) -> HttpResponse:
    """The live part of the board or the run page, for a screen that shows version `shown`
    (None: it did not say): 304 when nothing changed, a delta when one can bring it up to
    date, else the whole. Polls and streams (pitstops/views/streams.py) both ask this."""
    # The version and the right to see it in one read, so a 304 tells outsiders nothing.
    runs = Session.objects.filter(pk=session_id)
    if not request.user.is_superuser:
        runs = runs.filter(facilitators=request.user)
    version = runs.order_by().values_list("version", flat=True).first()
    etag = fragment_etag(kind, session_id, version or 0, str(request.user.pk))
    if version is not None:
        if shown == version:
            return live_not_modified()
        if cached := not_modified(request, etag):
            return cached
    session = get_session_to_run(request, session_id)
    template = LIVE_SCREENS[kind]
    context, cards = _live_context(request, session, kind)
    if shown is not None:
        # The run page always shows the themes; the board sorts by group once there are groups.
        delta = build_delta(session, cards, shown, grouped=kind == "board")
        if delta is not None:
            return mark_delta(render(request, f"{template}#delta", {**context, "board": delta}))
    context["board"] = build_board(session, cards)
    response = render(request, f"{template}#live", context)
    return mark_fragment(response, etag, versioned=shown is not None)


def _live_context(request: HttpRequest, session: Session, kind: str) -> tuple[dict, QuerySet]:
    """What the board and the run page show, and the cards this screen may see."""
    cards = card_queryset(session)
    if kind == "board":
        cards = cards.shown_to_group()
    context = {
        "session": session,
        "join_url": join_url(request, session) if session.join_code else "",
    }
    if kind == "run":
        context["join_requests"] = list(session.join_requests.pending().select_related("member"))
    return context, cards


def _live_page(request: HttpRequest, session: Session, kind: str) -> HttpResponse:
    context, cards = _live_context(request, session, kind)
    context["board"] = build_board(session, cards)
    context["qr"] = qr_svg(context["join_url"]) if session.join_code else ""
    context["live_streams"] = settings.LIVE_STREAMS
    context.update(_run_forms(session) if kind == "run" else {})
    return render(request, LIVE_SCREENS[kind], context)


def _run_forms(session: Session) -> dict:
    return {
        "scribe_form": ScribeForm(session=session),
        "group_form": GroupForm(),
        "agreement_form": AgreementForm(session=session),
        "open_agreements": Agreement.objects.filter(coalition=session.coalition)
        .exclude(origin_session=session)
        .pending()
        .select_related("lead"),
        "review_form": ReviewForm(),
        "phases": session.phase_sequence(),
        "story_form": ChooseStoryForm(session=session),
    }


@require_safe
@audited("pitstops:session_run")
def session_run(request: HttpRequest, pk: int) -> HttpResponse:
    return _live_response(request, pk, "run")


@require_safe
def session_board(request: HttpRequest, pk: int) -> HttpResponse:
    return _live_response(request, pk, "board")


def _done(request: HttpRequest, session: Session, error: ValidationError | None = None):
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    return redirect("pitstops:session_run", pk=session.pk)


@require_POST
def session_control(request: HttpRequest, pk: int) -> HttpResponse:
    """Every button on the facilitator's board: open, phases, timer, reveal, close."""
    session = get_session_to_run(request, pk)
    form = ControlForm(request.POST, session=session)
    if not form.is_valid():
        return _done(request, session, ValidationError(_("That did not work. Try again.")))
    data = form.cleaned_data
    try:
        match data["action"]:
            case "open":
                session.open()
            case "close":
                session.close()
            case "next":
                session.step(1)
            case "previous":
                session.step(-1)
            case "go_to":
                session.go_to_phase(data["phase"])
            case "phase_earlier":
                session.move_phase(data["phase"], -1)
            case "phase_later":
                session.move_phase(data["phase"], 1)
            case "theme":
                session.set_theme(data["theme"])
            case "timer_start":
                session.start_timer(data["minutes"])
            case "timer_pause":
                session.pause_timer()
            case "timer_resume":
                session.resume_timer()
            case "timer_extend":
                session.extend_timer(data["minutes"])
            case "reveal":
                shown = live.reveal(session)
                messages.info(request, _("%(count)s cards are now shown.") % {"count": shown})
            case "add_change_round":
                session.add_phase(Session.Phase.CHANGE)
                messages.success(request, _("The round “Stories of change” is added."))
    except ValidationError as error:
        return _done(request, session, error)
    return _done(request, session)


@require_POST
def card_action(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    """Hold a card back before the reveal, release it, or put it in a group."""
    session = get_session_to_run(request, pk)
    card = get_object_or_404(session.reflections, pk=card_pk)
    form = CardActionForm(request.POST, session=session)
    if not form.is_valid():
        return _done(request, session, ValidationError(_("That did not work. Try again.")))
    action = form.cleaned_data["action"]
    if action == "group":
        live.assign_group(session, card, form.cleaned_data["group"])
    else:
        live.hold_back(session, card, held_back=action == "hold_back")
    return _done(request, session)


@require_POST
def join_request_decide(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    """Let a waiting phone in under the name it asked for, or refuse it."""
    session = get_session_to_run(request, pk)
    join_request = get_object_or_404(session.join_requests, pk=request_pk)
    let_in = request.POST.get("action") == "let_in"
    try:
        live.decide_join_request(session, join_request, let_in=let_in)
    except ValidationError as error:
        return _done(request, session, error)
    if let_in:
        message = _("The phone of %(name)s is let in.")
    else:
        message = _("The phone that asked to join as %(name)s is refused.")
    messages.success(request, message % {"name": join_request.member.display_name})
    return _done(request, session)


@require_POST
def group_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_to_run(request, pk)
    form = GroupForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the group a name of at most 80 characters."))
        live.add_group(session, form.cleaned_data["name"])
    except ValidationError as error:
        return _done(request, session, error)
    return _done(request, session)


@require_POST
def scribe(request: HttpRequest, pk: int) -> HttpResponse:
    """The facilitator types a card for the group or a member, or adds a flip-chart photo."""
    session = get_session_to_run(request, pk)
    form = ScribeForm(request.POST, request.FILES, session=session)
    try:
        require_valid(form)
        live.scribe_card(
            session,
            facilitator=request.user,
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
            theme=form.cleaned_data["theme"],
            member=form.cleaned_data["member"],
            photo=form.cleaned_data["photo"],
            visibility=form.cleaned_data["visibility"],
            is_anonymous=form.cleaned_data["is_anonymous"],
        )
    except ValidationError as error:
        return _done(request, session, error)
    if session.phase == Session.Phase.CHANGE:
        messages.success(request, _("The story is saved. The group sees it with the others."))
    else:
        messages.success(request, _("The card is on the board."))
    return _done(request, session)


@require_POST
def story_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Note the story the group chose in the round "Stories of change", and why."""
    session = get_session_to_run(request, pk)
    form = ChooseStoryForm(request.POST, session=session)
    try:
        require_valid(form)
        live.choose_story(session, form.cleaned_data["story"], why=form.cleaned_data["why"])
    except ValidationError as error:
        return _done(request, session, error)
    messages.success(request, _("The group's story is noted, with why."))
    return _done(request, session)


@require_POST
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_to_run(request, pk)
    form = AgreementForm(request.POST, session=session)
    try:
        require_valid(form)
        live.add_agreement(session, **form.cleaned_data)
    except ValidationError as error:
        return _done(request, session, error)
    return _done(request, session)


@require_POST
def agreement_review(request: HttpRequest, pk: int, agreement_pk: int) -> HttpResponse:
    session = get_session_to_run(request, pk)
    agreement = get_object_or_404(Agreement, pk=agreement_pk, coalition=session.coalition)
    form = ReviewForm(request.POST, instance=agreement)
    try:
        require_valid(form)
        live.review_agreement(session, agreement, **form.cleaned_data)
    except ValidationError as error:
        return _done(request, session, error)
    return _done(request, session)
