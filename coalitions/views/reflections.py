"""Reflections any time: write one, see your own, change or withdraw it.

The same kinds, visibility, anonymity and consent as in a session (pitstops.Reflection), only
without a session. Writing takes a membership; so does finding your own words back.
"""

from __future__ import annotations

import uuid

import rules
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from expeditie import offline
from pitstops.authorship import OwnWords, account_writer_secret, ensure_account_writer_secret
from pitstops.models import Reflection

from ..forms import NewReflectionForm, ReflectionForm
from ..rules import security_log
from ..services import (
    is_author_of,
    post_reflection,
    reflections_of,
    save_reflection,
    withdraw_reflection,
)
from .space import Space, get_space

PAGE_SIZE = 20
CHANGE = "coalitions.change_own_reflection"


def _mine_url(space: Space) -> str:
    return reverse(
        "coalitions:reflections",
        kwargs={"expedition": space.coalition.expedition.slug, "slug": space.coalition.slug},
    )


def _own_reflection(request: HttpRequest, space: Space, pk: int) -> Reflection:
    """The user's own reflection, or a 404.

    Asked of the rule set itself, not of `user.has_perm`: a superuser passes every `has_perm`,
    but may not change someone else's words.
    """
    reflection = get_object_or_404(
        Reflection.objects.filter(coalition=space.coalition).select_related("theme"), pk=pk
    )
    words = OwnWords(reflection, account_writer_secret(request))
    if not rules.has_perm(CHANGE, request.user, words):
        security_log.warning("denied %s on %r to user %s", CHANGE, reflection, request.user.pk)
        raise Http404
    return reflection


def _wants_json(request: HttpRequest) -> bool:
    """Sent by static/js/queue.js, which keeps the words until this answer says they are in."""
    return "application/json" in request.headers.get("Accept", "")


def _form_errors(form: ReflectionForm) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@require_http_methods(["GET", "HEAD", "POST"])
@offline.offers_copy
def reflections(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """Write a reflection; below the form, the ones you wrote.

    The phone may keep this page to open without a connection; a reflection written then waits
    on the phone and is sent once, in order, when the connection is back (JSON answers).
    """
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    initial = {"visibility": Reflection.Visibility.COALITION, "client_id": uuid.uuid4()}
    if space.member.consents_to_quotation:
        initial["visibility"] = Reflection.Visibility.QUOTABLE
    form = NewReflectionForm(request.POST or None, coalition=space.coalition, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            secret = ensure_account_writer_secret(request)
            reflection, created = post_reflection(
                reflection=form.save(commit=False),
                member=space.member,
                writer_secret=secret,
                client_id=form.cleaned_data["client_id"],
            )
            message = _("Thank you. Your reflection is saved.")
            if _wants_json(request):
                # Only words this session may list as its own go back into the page.
                html = (
                    render_to_string(
                        "coalitions/space/reflections.html#mine",
                        {"reflection": reflection, "coalition": space.coalition},
                        request,
                    )
                    if is_author_of(space.member, reflection, secret)
                    else ""
                )
                return JsonResponse(
                    {"ok": True, "created": created, "html": html, "message": message}
                )
            messages.success(request, message)
            return redirect(_mine_url(space))
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _form_errors(form)}, status=400)
    else:
        offline.offer_copy(request, offline.account_viewer(request))
    mine = reflections_of(space.member, account_writer_secret(request))
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coalitions/space/reflections.html",
        {"coalition": space.coalition, "space": space, "form": form, "page_obj": page},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def reflection_edit(request: HttpRequest, expedition: str, slug: str, pk: int) -> HttpResponse:
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    reflection = _own_reflection(request, space, pk)
    form = ReflectionForm(request.POST or None, instance=reflection, coalition=space.coalition)
    if request.method == "POST" and form.is_valid():
        save_reflection(
            reflection=form.save(commit=False),
            member=space.member,
            writer_secret=ensure_account_writer_secret(request),
        )
        messages.success(request, _("Your changes are saved."))
        return redirect(_mine_url(space))
    return render(
        request,
        "coalitions/space/reflection_edit.html",
        {"coalition": space.coalition, "space": space, "form": form, "reflection": reflection},
    )


@require_POST
def reflection_withdraw(request: HttpRequest, expedition: str, slug: str, pk: int) -> HttpResponse:
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    withdraw_reflection(reflection=_own_reflection(request, space, pk))
    messages.success(request, _("Your reflection is withdrawn."))
    return redirect(_mine_url(space))
