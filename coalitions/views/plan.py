"""The plan of small things: the full list, adding one line, and "count me in"."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import SmallThingForm
from ..models import SmallThing
from ..services import add_small_thing, toggle_count_me_in
from .space import Space, get_space, plan_context

PAGE_SIZE = 25


def back_to(space: Space, request: HttpRequest, anchor: str) -> str:
    """Where a form without JavaScript returns to: the page it was on (a name, not a URL)."""
    kwargs = {"expedition": space.coalition.expedition.slug, "slug": space.coalition.slug}
    name = "coalitions:small_things" if anchor == "plan" else "coalitions:tamtam"
    if request.POST.get("from") == "home":
        name = "coalitions:coalition"
    return reverse(name, kwargs=kwargs) + f"#{anchor}"


def _page(space: Space, request: HttpRequest) -> object:
    things = SmallThing.objects.filter(coalition=space.coalition).for_list()
    return Paginator(things, PAGE_SIZE).get_page(request.GET.get("page"))


@require_http_methods(["GET", "HEAD", "POST"])
def small_things(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """Every item, newest first, a page at a time; a POST adds one line."""
    perm = "coalitions.write_in_space" if request.method == "POST" else "coalitions.view_coalition"
    space = get_space(request, expedition, slug, perm)
    form = None
    if request.method == "POST":
        form = SmallThingForm(request.POST, coalition=space.coalition)
        if form.is_valid():
            add_small_thing(member=space.member, **form.cleaned_data)
            if request.htmx:
                context = {**plan_context(space), "status": _("Added to the plan.")}
                return render(request, "coalitions/space/parts.html#plan", context)
            messages.success(request, _("Added to the plan."))
            return redirect(back_to(space, request, "plan"))
        if request.htmx:
            context = {**plan_context(space, form=form), "status": _("Please check the form.")}
            return render(request, "coalitions/space/parts.html#plan", context)
    page = _page(space, request)
    return render(
        request,
        "coalitions/space/small_things.html",
        {
            "coalition": space.coalition,
            "page_obj": page,
            **plan_context(space, form=form, things=page.object_list),
        },
    )


@require_POST
def count_me_in(request: HttpRequest, expedition: str, slug: str, pk: int) -> HttpResponse:
    """Join another member's idea, or leave it again."""
    space = get_space(request, expedition, slug, "coalitions.write_in_space")
    thing = get_object_or_404(SmallThing, pk=pk, coalition=space.coalition)
    if not thing.can_be_joined_by(space.member):
        status = _("You can join ideas of others, not your own or a story.")
        if request.htmx:
            return _render_thing(request, space, thing, status)
        messages.error(request, status)
        return redirect(back_to(space, request, "plan"))
    joined = toggle_count_me_in(thing=thing, member=space.member)
    if request.htmx:
        status = _("You joined: %(what)s") if joined else _("You no longer join: %(what)s")
        return _render_thing(request, space, thing, status % {"what": thing.text})
    if joined:
        messages.success(request, _("You joined: %(what)s") % {"what": thing.text})
    else:
        messages.info(request, _("You no longer join: %(what)s") % {"what": thing.text})
    return redirect(back_to(space, request, "plan"))


def _render_thing(
    request: HttpRequest, space: Space, thing: SmallThing, status: str
) -> HttpResponse:
    thing = SmallThing.objects.for_list().get(pk=thing.pk)
    return render(
        request,
        "coalitions/space/parts.html#small-thing",
        {"thing": thing, "space": space, "join_status": status},
    )
