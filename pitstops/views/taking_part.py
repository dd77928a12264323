"""The participant's side: join with a code, no password; write cards, mark, agree, rate.

These views need no log-in. A participant is known by a signed cookie per session; anyone
without it is sent back to the join page with a clear message, and nothing they typed is lost.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalitions.models import Member
from expeditie import offline

from .. import authorship, live
from ..board import build_board, build_delta, card_queryset
from ..forms import (
    AgreementForm,
    CardForm,
    ChooseNameForm,
    CompassForm,
    JoinCodeForm,
    require_valid,
)
from ..models import Agreement, JoinRequest, Participant, Reflection, Session
from .live import (
    Push,
    cookie_name,
    current_participant,
    fragment_etag,
    live_not_modified,
    mark_delta,
    mark_fragment,
    not_modified,
    participant_key,
    remember_participant,
    shown_version,
)

CODE_PROOF_SALT = "pitstops.join-code"
CODE_PROOF_MAX_AGE = 60 * 15
JOIN_REQUEST_SALT = "pitstops.join-request"
JOIN_ATTEMPT_WINDOW = 600  # seconds


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _attempts_key(request: HttpRequest) -> str:
    return f"join-attempts:{_client_ip(request)}"


def _too_many_attempts(request: HttpRequest) -> bool:
    """Join codes are short, so wrong codes are limited per address (ASVS 6.6.3).

    Only wrong codes count, so a room of phones behind one address can all join; and a right
    code does not reset the count, so knowing one open code does not buy more guesses.
    """
    return cache.get(_attempts_key(request), 0) >= settings.JOIN_ATTEMPTS_PER_TEN_MINUTES


def _count_wrong_code(request: HttpRequest) -> None:
    key = _attempts_key(request)
    if cache.add(key, 1, timeout=JOIN_ATTEMPT_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.add(key, 1, timeout=JOIN_ATTEMPT_WINDOW)


def _open_session_for_code(code: str) -> Session | None:
    return (
        Session.objects.select_related("coalition")
        .filter(join_code=code, status=Session.Status.OPEN)
        .first()
    )


def _enter(request: HttpRequest, participant: Participant) -> HttpResponse:
    """Into the session, with a new writer secret: every phone that joins gets its own."""
    response = redirect("pitstops:participate", pk=participant.session_id)
    if request.htmx:  # the waiting page's poll: the browser follows this header
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "pitstops:participate", kwargs={"pk": participant.session_id}
        )
    remember_participant(response, participant, authorship.new_writer_secret())
    return response


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Step 1: the code from the screen (or the QR code, which fills it in)."""
    if request.method != "POST":
        form = JoinCodeForm(initial={"code": request.GET.get("code", "")})
        return render(request, "pitstops/join.html", {"form": form})
    form = JoinCodeForm(request.POST)
    if _too_many_attempts(request):
        form.add_error(None, _("Too many tries. Wait ten minutes and try again."))
        return render(request, "pitstops/join.html", {"form": form}, status=429)
    if not form.is_valid():
        _count_wrong_code(request)
        return render(request, "pitstops/join.html", {"form": form})
    session = _open_session_for_code(form.cleaned_data["code"])
    if session is None:
        _count_wrong_code(request)
        form.add_error(
            "code", _("We do not know this code, or the session is over. Check the screen.")
        )
        return render(request, "pitstops/join.html", {"form": form})
    member = Member.objects.of_user(request.user).filter(coalition=session.coalition).first()
    if member is not None:  # a signed-in member is recognised, also on a second device
        return _enter(request, live.join(session, member=member, verified=True))
    proof = signing.dumps(session.pk, salt=CODE_PROOF_SALT)
    return render(
        request,
        "pitstops/join_choose.html",
        {"session": session, "form": ChooseNameForm(session=session), "proof": proof},
    )


def _session_from_proof(request: HttpRequest) -> Session | None:
    """The session whose code this browser typed in the last 15 minutes, from the signed proof."""
    try:
        session_id = signing.loads(
            request.POST.get("proof", ""), salt=CODE_PROOF_SALT, max_age=CODE_PROOF_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(
            request, _("That took too long, or something went wrong. Type the code again.")
        )
        return None
    return Session.objects.select_related("coalition").filter(pk=session_id).first()


@login_not_required
@require_POST
def join_as(request: HttpRequest) -> HttpResponse:
    """Step 2: pick your name, or join as a guest. The signed proof shows the code was right."""
    session = _session_from_proof(request)
    if session is None:
        return redirect("pitstops:join")
    form = ChooseNameForm(request.POST, session=session)
    context = {"session": session, "form": form, "proof": request.POST.get("proof")}
    if form.is_valid():
        try:
            participant = live.join(
                session,
                member=form.cleaned_data["member"],
                guest_name=form.cleaned_data["guest_name"],
            )
        except live.NameTaken:
            # Never the same participant silently: ask the facilitator, or sign in.
            context.update(member=form.cleaned_data["member"], sign_in_url=_sign_in_url(session))
            return render(request, "pitstops/join_taken.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _enter(request, participant)
    return render(request, "pitstops/join_choose.html", context, status=400)


def _sign_in_url(session: Session) -> str:
    """Log in, then back to the join page with the code filled in."""
    back = f"{reverse('pitstops:join')}?{urlencode({'code': session.join_code})}"
    return f"{reverse('login')}?{urlencode({'next': back})}"


def _join_request_cookie(session_id: int) -> str:
    return f"pitstop-verzoek-{session_id}"


@login_not_required
@require_POST
def join_request(request: HttpRequest) -> HttpResponse:
    """Ask the facilitator to let this phone in under a name another phone already uses."""
    session = _session_from_proof(request)
    if session is None:
        return redirect("pitstops:join")
    form = ChooseNameForm(request.POST, session=session)
    if not form.is_valid() or form.cleaned_data["member"] is None:
        messages.error(request, _("Choose your name again."))
        return redirect(f"{reverse('pitstops:join')}?{urlencode({'code': session.join_code})}")
    try:
        asked = live.ask_to_join(session, form.cleaned_data["member"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("pitstops:join")
    response = redirect("pitstops:join_wait", pk=session.pk)
    response.set_signed_cookie(
        _join_request_cookie(session.pk),
        asked.key,
        salt=JOIN_REQUEST_SALT,
        max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@login_not_required
@require_safe
def join_wait(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone waits for the facilitator; its poll takes it in once it is let in."""
    key = request.get_signed_cookie(
        _join_request_cookie(pk),
        default=None,
        salt=JOIN_REQUEST_SALT,
        max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
    )
    asked = (
        JoinRequest.objects.select_related("session__coalition", "member")
        .filter(key=key, session_id=pk)
        .first()
        if key
        else None
    )
    if asked is None:
        return _rejoin(request)
    session = asked.session
    if asked.status == JoinRequest.Status.LET_IN and session.is_open:
        try:
            participant = live.join(session, member=asked.member, verified=True)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("pitstops:join")
        response = _enter(request, participant)
        response.delete_cookie(_join_request_cookie(pk), samesite="Lax")
        return response
    if request.htmx:
        if asked.is_pending and session.is_open:
            return HttpResponse(status=204)  # still waiting: nothing to swap
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "pitstops/join_wait.html",
        {"session": session, "join_request": asked, "sign_in_url": _sign_in_url(session)},
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def participant_view(view: Callable) -> Callable:
    """Only for someone who joined this session; others get a clear way back in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        participant = current_participant(request, pk)
        if participant is None:
            return _rejoin(request)
        return view(request, participant.session, participant, *args, **kwargs)

    return login_not_required(wrapper)


def _failed(request: HttpRequest, session: Session, error: ValidationError, status: int = 400):
    message = " ".join(error.messages)
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    messages.error(request, message)
    return redirect("pitstops:participate", pk=session.pk)


def _shared_context(session: Session) -> dict:
    """What every participant of the session sees alike."""
    return {
        "session": session,
        "board": build_board(session, card_queryset(session).shown_to_group()),
    }


def _participant_context(session: Session, participant: Participant) -> dict:
    return {
        **_shared_context(session),
        "participant": participant,
        "own_cards": list(
            live.own_cards(session, participant.writer_secret)
            .select_related("theme")
            .order_by("created_at")
        ),
        **_marks(session, participant),
    }


def _marks(session: Session, participant: Participant) -> dict:
    """This phone's marks, where a phase asks for them: the resonance phase's three on the
    group's cards, or the one on a story of change. Other phases ask nothing."""
    if session.phase not in MARKING_PHASES:
        return {"marked": set(), "marks_left": 0}
    story = session.phase == Session.Phase.CHANGE
    limit = live.ResonanceMark.STORY_LIMIT if story else live.ResonanceMark.LIMIT
    on_stories = Q(reflection__phase=Session.Phase.CHANGE)
    marks = participant.marks.filter(on_stories if story else ~on_stories)
    marked = set(marks.values_list("reflection_id", flat=True))
    return {"marked": marked, "marks_left": limit - len(marked)}


# Phases whose phone pages show this phone's own marks: rendered per phone, not shared.
MARKING_PHASES = {Session.Phase.RESONANCE, Session.Phase.CHANGE}


def _full_context(
    session: Session, participant: Participant, card_form: CardForm | None = None
) -> dict:
    context = _participant_context(session, participant)
    context.update(
        card_form=card_form or CardForm(session=session, initial={"client_id": uuid.uuid4()}),
        agreement_form=AgreementForm(session=session),
        compass_form=CompassForm(session=session),
        earlier_agreements=Agreement.objects.filter(coalition=session.coalition)
        .exclude(origin_session=session)
        .pending()
        .select_related("lead"),
        guiding_questions=session.current_theme.questions.all() if session.current_theme else [],
        live_streams=settings.LIVE_STREAMS,
    )
    return context


@login_not_required
@require_safe
@offline.offers_copy
def participate(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's phone: the current phase, the group's cards, and my own.

    The phone may keep this page, for this participant only, to open it without a connection
    (expeditie/offline.py); the card form then still works, through the queue.
    """
    if request.htmx:
        return poll(request, pk, shown_version(request), request.GET.get("state"))
    participant = current_participant(request, pk)
    if participant is None:
        return _rejoin(request)
    offline.offer_copy(request, offline.participant_viewer(participant.key))
    return render(
        request, "pitstops/participate.html", _full_context(participant.session, participant)
    )


@login_not_required
@require_POST
@offline.forgets_offline_copies
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    """This phone stops taking part: its way back in goes, and so does what it kept of the
    session's page. The cards stay; anonymous ones can no longer be changed from here."""
    if participant_key(request, pk) is not None:
        messages.success(
            request, _("This phone no longer takes part in the session. Your cards stay.")
        )
    response = redirect("pitstops:join")
    response.delete_cookie(cookie_name(pk), samesite="Lax")
    return response


def poll(request: HttpRequest, pk: int, shown: int | None, page_state: str | None) -> HttpResponse:
    """What a phone asks every second: usually a 304 without any database read.

    `shown` is the version the phone shows (None: it sent none), `page_state` the phase and
    status its page was made for (None: it did not say).

    The signed cookie proves the phone joined this session. Outside the resonance phase every
    participant sees the same cards, so what a poll gets is shared through the cache: a delta
    from the version the phone shows to the newest version taken at most once a second (one
    rendering per pair of versions, for every phone at that version), or the whole fragment,
    rendered at most once a second per session. So 60 phones posting at once do not mean 60
    renders per card: their polls meet at the same few versions.
    """
    key = participant_key(request, pk)
    state = Session.live_state(pk)
    # Not (or no longer) joined, or a new phase: reload the page, which shows what to do.
    if key is None or state is None or page_state not in (None, page_state_of(state)):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    version, phase, _status = state
    if shown == version:
        return live_not_modified()
    versioned = shown is not None
    if phase in MARKING_PHASES:  # marks are per participant: the whole, for this phone
        etag = fragment_etag("p", pk, version, key[:12])
        if cached := not_modified(request, etag):
            return cached
        participant = current_participant(request, pk)
        context = _participant_context(participant.session, participant)
        html = render_to_string(LIVE, context, request)
        return mark_fragment(HttpResponse(html), etag, versioned=versioned)
    if versioned:
        target = _shared_target(pk, version)
        if shown >= target:  # the phone is as far as phones are taken now; more in a second
            return live_not_modified()
        if (delta := _shared_delta(pk, shown, target)) is not None:
            return mark_delta(HttpResponse(delta))
    version, html = _shared_fragment(pk, version)
    if versioned and version <= shown:  # the newer one is being rendered: the next poll gets it
        return live_not_modified()
    etag = fragment_etag("p", pk, version)
    if cached := not_modified(request, etag):
        return cached
    return mark_fragment(HttpResponse(html), etag, versioned=versioned)


def page_state_of(state: tuple[int, str, str]) -> str:
    """The phase and status a phone's page was made for, as it sends them back (?state=)."""
    return f"{state[1]}-{state[2]}"


def pushed_to_phones(pk: int, since: int | None) -> tuple[str, int, Push | None]:
    """What the streams of the phones at version `since` (or later) send now, as (page state,
    current version, message): nothing when `since` is current, the whole when it is None.

    The same for all of them, so a server's streams ask it once (pitstops/views/streams.py) and
    the renderings are shared with the polls through the cache. Unlike a poll, it always brings
    the phones to the newest version: a stream is told of each change once. In the phases that
    show a phone its own marks the message is `own` (each stream asks `poll` for its phone),
    and `wait` when the whole fragment is being rendered elsewhere: the stream asks again soon.
    """
    state = Session.live_state(pk)
    if state is None:
        return "", 0, Push("reload")
    version, phase, _status = state
    if since is not None and since >= version:
        return page_state_of(state), version, None
    if phase in MARKING_PHASES:
        return page_state_of(state), version, Push("own")
    if since is not None and (delta := _shared_delta(pk, since, version)) is not None:
        return page_state_of(state), version, Push("delta", delta, version, since)
    rendered, html = _shared_fragment(pk, version, max_age=0)
    if rendered < version:
        return page_state_of(state), version, Push("wait")
    return page_state_of(state), version, Push("whole", html, rendered)


LIVE = "pitstops/participate.html#live"
DELTA = "pitstops/participate.html#delta"
SHARED_FRAGMENT_MAX_AGE = 1.0  # seconds; with the 1 s poll a card shows within 2 s
SHARED_DELTA_SECONDS = 60  # a pair of versions is asked for within seconds, then never again
# A delta is rendered once per version a phone comes from; the whole fragment once a second for
# all. After a reveal the phones, spread over many versions, would each need a delta of nearly
# every card: above this many cards the shared whole fragment is cheaper.
SHARED_DELTA_MAX_CARDS = 40
# A rendering that takes longer than this (a crashed server) no longer holds the others back.
SHARED_RENDERING_SECONDS = 10
# How long a poll waits for the rendering another poll is making, before it answers "no change
# yet" and the phone asks again at its next poll.
SHARED_RENDERING_WAIT = 1.0


def _shared_fragment(
    pk: int, version: int, max_age: float = SHARED_FRAGMENT_MAX_AGE
) -> tuple[int, str]:
    """The fragment every participant sees, as (version it shows, html).

    Rendered by one poll at a time: after a reveal a whole room polls within two seconds, and
    a board of a thousand cards takes a while to render. The polls that come meanwhile wait a
    moment for that rendering; failing that, they get the one before, and the new one next time.
    """
    cache_key = f"pitstops:participant-live:{pk}:{get_language()}"
    cached = cache.get(cache_key)
    if cached and (cached[0] >= version or time.time() - cached[2] < max_age):
        return cached[0], cached[1]
    rendering = f"{cache_key}:rendering"
    if cached and not cache.add(rendering, True, timeout=SHARED_RENDERING_SECONDS):
        return _rendered_meanwhile(cache_key, version) or (cached[0], cached[1])
    try:
        session = Session.objects.select_related("coalition", "current_theme").get(pk=pk)
        html = render_to_string(LIVE, _shared_context(session))
        cache.set(cache_key, (session.version, html, time.time()), timeout=60)
    finally:
        cache.delete(rendering)
    return session.version, html


def _rendered_meanwhile(cache_key: str, version: int) -> tuple[int, str] | None:
    """The rendering another poll is making of `version`, if it comes within a moment: a
    phone that waits for it here sees the change now rather than two seconds later."""
    deadline = time.monotonic() + SHARED_RENDERING_WAIT
    while time.monotonic() < deadline:
        time.sleep(SHARED_RENDERING_WAIT / 20)
        cached = cache.get(cache_key)
        if cached and cached[0] >= version:
            return cached[0], cached[1]
    return None


def _shared_target(pk: int, version: int) -> int:
    """The version phones are brought up to: the newest, taken at most once a second per
    session. During a burst of cards every version is new for a moment; without this, each
    phone's poll would be a pair of versions of its own, rendered for it alone."""
    cache_key = f"pitstops:participant-target:{pk}"
    cached = cache.get(cache_key)
    if cached and (cached[0] >= version or time.time() - cached[1] < SHARED_FRAGMENT_MAX_AGE):
        return cached[0]
    cache.set(cache_key, (version, time.time()), timeout=60)
    return version


def _shared_delta(pk: int, since: int, version: int) -> str | None:
    """What changed for every participant between two versions, as html; None when a phone
    at `since` needs the whole fragment. Shared through the cache, keyed by both versions and
    the language, so the phones at one version cost one rendering."""
    cache_key = f"pitstops:participant-delta:{pk}:{since}:{version}:{get_language()}"
    if (cached := cache.get(cache_key)) is not None:
        return cached or None  # "" remembers that no delta was possible
    session = Session.objects.select_related("coalition", "current_theme").get(pk=pk)
    # In the compass phase the phones show no cards: a delta brings none.
    cards = (
        Reflection.objects.none()
        if session.phase == Session.Phase.COMPASS
        else card_queryset(session).shown_to_group()
    )
    # Counted through an index before any card is read: after a reveal, a room's polls all ask
    # this at once, and every card would be read and then not sent.
    changed = Reflection.objects.filter(session=session, changed_at_version__gt=since)
    delta = None
    if changed[: SHARED_DELTA_MAX_CARDS + 1].count() <= SHARED_DELTA_MAX_CARDS:
        delta = build_delta(session, cards, since)
    if delta is not None and len(delta.cards) > SHARED_DELTA_MAX_CARDS:
        delta = None
    html = render_to_string(DELTA, {"session": session, "board": delta}) if delta else ""
    cache.set(cache_key, html, timeout=SHARED_DELTA_SECONDS)
    return html or None


def _rejoin(request: HttpRequest) -> HttpResponse:
    message = _("You are not (or no longer) taking part in this session. Join with the code.")
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message, "rejoin": True}, status=403)
    messages.warning(request, message)
    return redirect("pitstops:join")


@require_POST
@participant_view
def card_post(request: HttpRequest, session: Session, participant: Participant) -> HttpResponse:
    form = CardForm(request.POST, session=session)
    try:
        require_valid(form)
        card, created = live.post_card(
            session, participant, writer_secret=participant.writer_secret, **form.cleaned_data
        )
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": " ".join(error.messages)}, status=400)
        # Show the page again with the card as typed, so nothing is lost.
        if not form.errors:
            form.add_error(None, error)
        return render(
            request,
            "pitstops/participate.html",
            _full_context(session, participant, form),
            status=400,
        )
    if _wants_json(request):
        # The phone puts the card under "My cards" itself, with its form: no reload. Only a
        # card this phone sealed: a client id sent by another phone never shows it the words.
        own_card = (
            render_to_string(
                "pitstops/participate.html#own_card", {"card": card, "session": session}, request
            )
            if authorship.is_sealed_by(card.author_seal, participant.writer_secret)
            else ""
        )
        return JsonResponse(
            {
                "ok": True,
                "id": card.pk,
                "created": created,
                "html": own_card,
                "message": _("Your card is saved."),
            }
        )
    messages.success(request, _("Your card is saved."))
    return redirect("pitstops:participate", pk=session.pk)


@require_POST
@participant_view
def card_change(
    request: HttpRequest, session: Session, participant: Participant, card_pk: int
) -> HttpResponse:
    """Edit or withdraw my own card, while its phase lasts."""
    try:
        card = live.get_own_card(session, participant.writer_secret, card_pk)
        if request.POST.get("action") == "withdraw":
            live.withdraw_card(session, card)
            messages.success(request, _("Your card is withdrawn."))
        else:
            form = CardForm(request.POST, instance=card, session=session)
            require_valid(form)
            live.edit_card(
                session,
                card,
                **{
                    k: v
                    for k, v in form.cleaned_data.items()
                    if k not in ("client_id", "written_in")
                },
            )
            messages.success(request, _("Your card is changed."))
    except ValidationError as error:
        return _failed(request, session, error)
    return redirect("pitstops:participate", pk=session.pk)


@require_POST
@participant_view
def mark(request: HttpRequest, session: Session, participant: Participant, card_pk: int):
    card = get_object_or_404(Reflection, pk=card_pk, session=session)
    try:
        live.toggle_mark(session, participant, card)
    except ValidationError as error:
        return _failed(request, session, error)
    if request.htmx:
        return render(
            request,
            "pitstops/participate.html#live",
            _participant_context(session, participant),
        )
    return redirect("pitstops:participate", pk=session.pk)


@require_POST
@participant_view
def propose_agreement(request: HttpRequest, session: Session, participant: Participant):
    form = AgreementForm(request.POST, session=session)
    try:
        require_valid(form)
        live.add_agreement(session, **form.cleaned_data)
    except ValidationError as error:
        return _failed(request, session, error)
    messages.success(request, _("The agreement is on the board."))
    return redirect("pitstops:participate", pk=session.pk)


@require_POST
@participant_view
def compass(request: HttpRequest, session: Session, participant: Participant) -> HttpResponse:
    form = CompassForm(request.POST, session=session)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give every theme a score and choose a place on the ladder."))
        live.rate_compass(
            session, participant, scores=form.scores(), rung=form.cleaned_data["rung"]
        )
    except ValidationError as error:
        return _failed(request, session, error)
    messages.success(request, _("Thank you. Your compass is saved."))
    return redirect("pitstops:participate", pk=session.pk)
