"""The tamtam: short updates among members, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import TamtamForm
from ..models import TamtamPost
from ..services import post_to_tamtam
from .plan import back_to
from .space import get_space, tamtam_context

PAGE_SIZE = 20


@require_http_methods(["GET", "HEAD", "POST"])
def tamtam(request: HttpRequest, expedition: str, slug: str) -> HttpResponse:
    """Every update, a page at a time; a POST adds one and lets mentioned members know."""
    perm = "coalitions.write_in_space" if request.method == "POST" else "coalitions.view_coalition"
    space = get_space(request, expedition, slug, perm)
    form = None
    if request.method == "POST":
        form = TamtamForm(request.POST)
        if form.is_valid():
            post_to_tamtam(
                member=space.member,
                text=form.cleaned_data["text"],
                coalition_url=request.build_absolute_uri(space.coalition.get_absolute_url()),
            )
            if request.htmx:
                context = {**tamtam_context(space), "status": _("Your message is on the tamtam.")}
                return render(request, "coalitions/space/parts.html#tamtam", context)
            messages.success(request, _("Your message is on the tamtam."))
            return redirect(back_to(space, request, "tamtam"))
        if request.htmx:
            context = {**tamtam_context(space, form=form), "status": _("Please check the form.")}
            return render(request, "coalitions/space/parts.html#tamtam", context)
    posts = TamtamPost.objects.filter(coalition=space.coalition).for_list()
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coalitions/space/tamtam.html",
        {
            "coalition": space.coalition,
            "page_obj": page,
            **tamtam_context(space, form=form, posts=page.object_list),
        },
    )
