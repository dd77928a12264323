"""The facilitation team's workspace: read the round, write red threads, publish the report.

Only the expedition's facilitators and superusers get here (`pitstops.synthesise`); everyone else
gets a 404, so nothing tells an outsider that a draft exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalitions.audit import audited
from coalitions.rules import get_for_user_or_404

from ..models import Pitstop, RedThread
from ..models.follow_up import StaleVersion
from ..synthesis import likeness, services
from ..synthesis.forms import (
    EvidenceForm,
    IntroductionForm,
    MoveForm,
    RedThreadForm,
    WorkspaceFilterForm,
)
from ..synthesis.markdown import render_markdown
from ..synthesis.readability import flesch_douma, readability_message
from ..synthesis.stories import round_stories
from ..synthesis.workspace import full_text_search, matching_ids, page_rows
from .suggestions import panel_context

SYNTHESISE = "pitstops.synthesise"
PAGE_SIZE = 25
# The htmx event after evidence was added or removed (see the evidence view).
EVIDENCE_CHANGED = "evidence-changed"


def get_pitstop_to_synthesise(request: HttpRequest, expedition: str, number: int) -> Pitstop:
    return get_for_user_or_404(
        request.user,
        SYNTHESISE,
        Pitstop.objects.select_related("expedition"),
        expedition__slug=expedition,
        number=number,
    )


def get_red_thread(request: HttpRequest, pk: int) -> RedThread:
    return get_for_user_or_404(
        request.user, SYNTHESISE, RedThread.objects.select_related("pitstop__expedition"), pk=pk
    )


def workspace_url(pitstop: Pitstop) -> str:
    return reverse(
        "pitstops:workspace",
        kwargs={"expedition": pitstop.expedition.slug, "number": pitstop.number},
    )


def _own_path(request: HttpRequest, target: str, fallback: str) -> str:
    """`target` if it is a path of this site, else `fallback`.

    A path of ours only: redirect() would take any other word for the name of a view.
    """
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to where the form was (the workspace with its filters), if that is our own page."""
    return HttpResponseRedirect(_own_path(request, request.POST.get("next", ""), fallback))


@require_safe
@audited("pitstops:workspace")
def workspace(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """Every reflection of the round the team may read, filtered, searched and paged."""
    pitstop = get_pitstop_to_synthesise(request, expedition, number)
    form = WorkspaceFilterForm(request.GET, pitstop=pitstop)
    filters = form.filters()
    ids = matching_ids(pitstop=pitstop, user=request.user, filters=filters)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page_ids = list(page.object_list)
    reflections = page_rows(page_ids, filters)
    threads = list(
        pitstop.red_threads.annotate(evidence_count=Count("evidence")).order_by("position", "pk")
    )
    target = _target_thread(request, threads)
    in_target = (
        set(target.evidence.filter(pk__in=page_ids).values_list("pk", flat=True))
        if target
        else set()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pitstops/workspace.html",
        {
            "pitstop": pitstop,
            "form": form,
            "filters": filters,
            "page_obj": page,
            "reflections": reflections,
            "threads": threads,
            "target": target,
            "in_target": in_target,
            "query_string": query.urlencode(),
            "full_text": full_text_search(),
            "introduction": render_markdown(pitstop.introduction),
            "unpublished": [t for t in threads if t.status != RedThread.Status.PUBLISHED],
            "stories": round_stories(pitstop, user=request.user),
            **panel_context(pitstop),
        },
    )


def _target_thread(request: HttpRequest, threads: list[RedThread]) -> RedThread | None:
    """The red thread a tap adds evidence to: the one chosen in the URL, else the first draft."""
    chosen = request.GET.get("thread", "")
    for thread in threads:
        if str(thread.pk) == chosen:
            return thread
    return next((t for t in threads if t.status != RedThread.Status.PUBLISHED), None) or (
        threads[0] if threads else None
    )


@require_http_methods(["GET", "HEAD", "POST"])
def red_thread_create(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    pitstop = get_pitstop_to_synthesise(request, expedition, number)
    form = RedThreadForm(
        request.POST or None,
        pitstop=pitstop,
        instance=RedThread(pitstop=pitstop),
    )
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.create_red_thread(
                pitstop=pitstop,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"],
                themes=form.cleaned_data["themes"],
                continues=form.cleaned_data["continues"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The red thread is saved. Now add quotes from the workspace.")
            )
            return redirect(f"{workspace_url(pitstop)}?thread={thread.pk}")
    return render(
        request, "pitstops/red_thread_form.html", {"pitstop": pitstop, "form": form, "thread": None}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@audited("pitstops:red_thread_edit")
def red_thread_edit(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_red_thread(request, pk)
    pitstop = thread.pitstop
    form = RedThreadForm(request.POST or None, pitstop=pitstop, instance=thread)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_red_thread(
                thread=thread,
                version=data["version"],
                title=data["title"],
                text=data["text"],
                status=data["status"],
                themes=data["themes"],
                continues=data["continues"],
            )
        except StaleVersion as stale:
            return _conflict(request, pitstop, stale.current, form)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # deleted meantime: nothing left to edit
                messages.error(request, " ".join(error.messages))
                return redirect(workspace_url(pitstop))
            form.add_error(None, error)  # a field's error: the form shows it, the text stays
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(f"{workspace_url(pitstop)}?thread={thread.pk}")
    evidence = thread.evidence.select_related("coalition", "theme").order_by("coalition__name")
    return render(
        request,
        "pitstops/red_thread_form.html",
        {"pitstop": pitstop, "form": form, "thread": thread, "evidence": evidence},
    )


def _conflict(
    request: HttpRequest, pitstop: Pitstop, current: RedThread, form: RedThreadForm
) -> HttpResponse:
    """Someone saved first: show both versions; the writer's text stays in a form that now
    carries the current version, so saving it again is a deliberate choice."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    # A copy of the instance: a bound form writes its data into it, `current` must stay as saved.
    mine = RedThreadForm(data, pitstop=pitstop, instance=RedThread.objects.get(pk=current.pk))
    return render(
        request,
        "pitstops/red_thread_conflict.html",
        {
            "pitstop": pitstop,
            "thread": current,
            "current_text": render_markdown(current.text),
            "form": mine,
            "my_title": form.cleaned_data["title"],
            "my_text": render_markdown(form.cleaned_data["text"]),
        },
        status=409,
    )


@require_POST
def red_thread_delete(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_red_thread(request, pk)
    try:
        services.delete_red_thread(thread=thread)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The draft is deleted."))
    return redirect(workspace_url(thread.pitstop))


@require_POST
def red_thread_move(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_red_thread(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.move_red_thread(thread=thread, direction=form.cleaned_data["direction"])
    else:
        messages.error(request, _("Choose up or down."))
    return _back(request, workspace_url(thread.pitstop))


@require_POST
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a reflection to a red thread as evidence, or take it off again: one tap.

    htmx swaps just the button; without JavaScript the form posts and comes back to the page.
    """
    thread = get_red_thread(request, pk)
    form = EvidenceForm(request.POST)
    error = ""
    reflection_id = None
    in_thread = False
    if not form.is_valid():
        error = _("Choose a reflection to add or remove.")
    else:
        reflection_id = form.cleaned_data["reflection"]
        try:
            if form.cleaned_data["action"] == "add":
                services.add_evidence(thread=thread, reflection_id=reflection_id, user=request.user)
                in_thread = True
            else:
                services.remove_evidence(thread=thread, reflection_id=reflection_id)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if request.htmx:
        response = render(
            request,
            "pitstops/workspace.html#evidence-button",
            {
                "reflection_id": reflection_id,
                "target": thread,
                "in_thread": in_thread,
                "error": error,
                "next": request.POST.get("next", ""),
            },
            status=400 if error and reflection_id is None else 200,
        )
        if not error:
            # Lists on the page that depend on what is evidence (more like this) reload.
            response["HX-Trigger-After-Settle"] = EVIDENCE_CHANGED
        return response
    if error:
        messages.error(request, error)
    elif in_thread:
        messages.success(request, _("Added to “%(title)s”.") % {"title": thread.title})
    else:
        messages.success(request, _("Removed from “%(title)s”.") % {"title": thread.title})
    return _back(request, f"{workspace_url(thread.pitstop)}?thread={thread.pk}")


@require_safe
@audited("pitstops:more_like_this")
def more_like_this(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's unused reflections closest to a red thread, each with one tap to add it.

    htmx loads the list into the workspace and the red thread's page; without JavaScript it is
    a page of its own. `next` is the page a tap without htmx comes back to.
    """
    thread = get_red_thread(request, pk)
    here = request.get_full_path()
    back = _own_path(request, request.GET.get("next", ""), here)
    thread_page = reverse("pitstops:red_thread_edit", kwargs={"pk": thread.pk})
    # On the red thread's own page a tap reloads it, so the new quote shows in its evidence;
    # on this list's own page (no JavaScript) a tap comes back to the list.
    reload_page = bool(request.htmx) and back.split("#")[0] == thread_page
    if not request.htmx:
        after_tap = here
    elif reload_page:
        after_tap = f"{thread_page}#more-like-this"
    else:
        after_tap = back
    found = likeness.more_like_this(thread=thread, user=request.user)
    context = {
        "pitstop": thread.pitstop,
        "thread": thread,
        "reflections": found.reflections,
        "preparing": found.preparing,
        "has_evidence": thread.evidence.exists(),
        "here": here,
        "back": back,
        "after_tap": after_tap,
        "reload_page": reload_page,
        "evidence_changed": EVIDENCE_CHANGED,
    }
    if request.htmx:
        return render(request, "pitstops/more_like_this.html#more-like-this", context)
    return render(request, "pitstops/more_like_this.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def introduction(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    pitstop = get_pitstop_to_synthesise(request, expedition, number)
    form = IntroductionForm(request.POST or None, instance=pitstop)
    if request.method == "POST" and form.is_valid():
        services.save_introduction(pitstop=pitstop, **form.cleaned_data)
        messages.success(request, _("The introduction is saved."))
        if (score := flesch_douma(form.cleaned_data["plain_introduction"])) is not None:
            messages.info(request, readability_message(score))
        return redirect(workspace_url(pitstop))
    return render(request, "pitstops/introduction_form.html", {"pitstop": pitstop, "form": form})


@require_POST
def publish(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    pitstop = get_pitstop_to_synthesise(request, expedition, number)
    if not pitstop.red_threads.published().exists():
        messages.error(
            request,
            _("Publish at least one red thread first: set its status to “published”."),
        )
        return redirect(workspace_url(pitstop))
    was_published = pitstop.is_report_published
    readers = services.publish_report(
        pitstop=pitstop, report_url=request.build_absolute_uri(pitstop.get_absolute_url())
    )
    if was_published:
        text = _("The report is updated. %(count)d readers get an e-mail.")
    else:
        text = _("The report is published. %(count)d readers get an e-mail.")
    messages.success(request, text % {"count": len(readers)})
    return redirect(pitstop.get_absolute_url())
