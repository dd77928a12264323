"""Reflections any time: write one, see your own, change or withdraw it.

The same kinds, visibility, anonymity and consent as in a session (pitstops.Reflection), only
without a session. Writing takes a membership; so does finding your own words back.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pitstops.authorship import OwnWords, account_writer_secret, ensure_account_writer_secret
from pitstops.models import Reflection

from ..forms import ReflectionForm
from ..rules import security_log
from ..services import reflections_of, save_reflection, withdraw_reflection
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


@require_http_methods(["GET", "HEAD", "POST"])
def reflections(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """Write a reflection; below the form, the ones you wrote."""
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    initial = {"visibility": Reflection.Visibility.COALITION}
    if space.member.consents_to_quotation:
        initial["visibility"] = Reflection.Visibility.QUOTABLE
    form = ReflectionForm(request.POST or None, coalition=space.coalition, initial=initial)
    if request.method == "POST" and form.is_valid():
        save_reflection(
            reflection=form.save(commit=False),
            member=space.member,
            writer_secret=ensure_account_writer_secret(request),
        )
        messages.success(request, _("Thank you. Your reflection is saved."))
        return redirect(_mine_url(space))
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
