"""Suggested red threads: the facilitation team starts a run, follows it, accepts or dismisses,
and keeps its own words for concerns the suggestions miss.

The panel is one template fragment (`pitstops/_suggestions.html#panel`): the page includes it,
htmx swaps it after every action, and it polls itself every 2 s while a run is under way.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from coalitions.audit import audited
from coalitions.rules import get_for_user_or_404

from ..forms import AcceptSuggestionForm, OwnConceptForm
from ..models import OwnConcept, Pitstop, RedThreadSuggestion, Reflection, SuggestionRun
from ..suggesting import (
    SuggestionRefused,
    accept_suggestion,
    clamp_granularity,
    dismiss_suggestion,
    granularity_after,
    granularity_in_words,
    latest_done_run,
    latest_run,
)
from ..tasks import start_suggestion_run

SUGGEST = "pitstops.suggest_red_threads"
PANEL = "pitstops/_suggestions.html#panel"
# A suggestion shows this many of its reflections; the rest become evidence all the same.
SHOWN_REFLECTIONS = 8
# The start form's buttons: a plain new run, or one with more or fewer groups than the last.
GROUP_STEPS = {"more": 1, "fewer": -1}


def get_pitstop(request: HttpRequest, expedition: str, number: int) -> Pitstop:
    return get_for_user_or_404(
        request.user,
        SUGGEST,
        Pitstop.objects.select_related("expedition"),
        expedition__slug=expedition,
        number=number,
    )


def why_in_words(why: list[list[Any]]) -> str:
    """The words that tie a suggestion together, with in how many reflections each occurs.

    "buurthuis (4 reflections), sleutel (3)": words from the reflections, never who wrote them.
    """
    parts = []
    for index, (word, count) in enumerate(why):
        if index == 0:
            parts.append(
                ngettext(
                    "%(word)s (%(count)d reflection)", "%(word)s (%(count)d reflections)", count
                )
                % {"word": word, "count": count}
            )
        else:
            parts.append(_("%(word)s (%(count)d)") % {"word": word, "count": count})
    return ", ".join(parts)


def panel_context(
    pitstop: Pitstop,
    *,
    forms: dict[int, AcceptSuggestionForm] | None = None,
    notice: str = "",
    notice_is_error: bool = False,
) -> dict[str, Any]:
    """What the panel shows: the latest run, and the open suggestions of the latest done run.

    A fixed number of queries, however many suggestions and reflections the round has.
    """
    run = latest_run(pitstop)
    done = run if run is not None and run.status == SuggestionRun.Status.DONE else None
    if done is None and run is not None:
        done = latest_done_run(pitstop)
    suggestions: list[RedThreadSuggestion] = []
    decided: dict[str, int] = {}
    if done is not None:
        suggestions = list(
            done.suggestions.open()
            .select_related("continues__pitstop")
            .annotate(reflection_count=Count("reflections"))
            .prefetch_related(
                "themes",
                Prefetch(
                    "reflections",
                    queryset=Reflection.objects.select_related("coalition", "theme").order_by(
                        "created_at", "pk"
                    ),
                ),
            )
        )
        decided = dict(
            done.suggestions.exclude(status=RedThreadSuggestion.Status.OPEN)
            .values_list("status")
            .annotate(count=Count("pk"))
        )
    for suggestion in suggestions:
        suggestion.shown_reflections = list(suggestion.reflections.all())[:SHOWN_REFLECTIONS]
        suggestion.more_reflections = suggestion.reflection_count - len(
            suggestion.shown_reflections
        )
        suggestion.accept_form = (forms or {}).get(suggestion.pk) or AcceptSuggestionForm(
            initial={"title": suggestion.title}, auto_id=f"id_suggestion_{suggestion.pk}_%s"
        )
        suggestion.why_text = why_in_words(suggestion.why)
    granularity = run.granularity if run is not None else 0
    return {
        "pitstop": pitstop,
        "run": run,
        "done_run": done,
        "groups_asked": granularity_in_words(done.granularity) if done is not None else "",
        "can_ask_more": clamp_granularity(granularity + 1) != granularity,
        "can_ask_fewer": clamp_granularity(granularity - 1) != granularity,
        # Earlier red threads that recur come first, under their own heading.
        "still_here": [suggestion for suggestion in suggestions if suggestion.continues_id],
        "suggestions": [suggestion for suggestion in suggestions if not suggestion.continues_id],
        "accepted_count": decided.get(RedThreadSuggestion.Status.ACCEPTED, 0),
        "dismissed_count": decided.get(RedThreadSuggestion.Status.DISMISSED, 0),
        "notice": notice,
        "notice_is_error": notice_is_error,
    }


def page(
    request: HttpRequest,
    pitstop: Pitstop,
    *,
    own_form: OwnConceptForm | None = None,
    **panel_kwargs: Any,
) -> HttpResponse:
    """The whole page: the panel, and the team's own words with the form to add one."""
    context = panel_context(pitstop, **panel_kwargs)
    context["own_concepts"] = list(pitstop.expedition.own_concepts.all())
    context["own_form"] = own_form or OwnConceptForm(expedition=pitstop.expedition)
    return render(request, "pitstops/suggestions.html", context)


def panel_or_page(request: HttpRequest, pitstop: Pitstop, **kwargs: Any) -> HttpResponse:
    """The panel for htmx; the page otherwise, so a plain form post works without JavaScript."""
    if request.htmx:
        return render(request, PANEL, panel_context(pitstop, **kwargs))
    return page(request, pitstop, **kwargs)


@require_safe
@audited("pitstops:suggestions")
def suggestions_page(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """The suggested red threads of a round, for its facilitators."""
    return page(request, get_pitstop(request, expedition, number))


@require_safe
def suggestions_progress(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """The panel alone: htmx polls it every 2 s while a run is under way."""
    pitstop = get_pitstop(request, expedition, number)
    return render(request, PANEL, panel_context(pitstop))


@require_POST
def suggestions_start(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """Queue a run in the background; never cluster inside the request.

    The "more groups" and "fewer groups" buttons move the last run's granularity a step.
    """
    pitstop = get_pitstop(request, expedition, number)
    step = GROUP_STEPS.get(request.POST.get("groups", ""), 0)
    start_suggestion_run(
        pitstop=pitstop, user=request.user, granularity=granularity_after(pitstop, step)
    )
    if request.htmx:
        return render(request, PANEL, panel_context(pitstop))
    return redirect("pitstops:suggestions", expedition=expedition, number=number)


def get_suggestion(pitstop: Pitstop, pk: int) -> RedThreadSuggestion:
    """A suggestion of this pitstop: the permission was checked on the pitstop already."""
    return get_object_or_404(
        RedThreadSuggestion.objects.select_related("run__pitstop"), pk=pk, run__pitstop=pitstop
    )


@require_POST
def suggestion_accept(request: HttpRequest, expedition: str, number: int, pk: int) -> HttpResponse:
    """Make a draft red thread of the suggestion, with the title as the facilitator left it."""
    pitstop = get_pitstop(request, expedition, number)
    suggestion = get_suggestion(pitstop, pk)
    form = AcceptSuggestionForm(request.POST, auto_id=f"id_suggestion_{suggestion.pk}_%s")
    if not form.is_valid():
        return panel_or_page(request, pitstop, forms={suggestion.pk: form})
    try:
        thread = accept_suggestion(
            suggestion=suggestion, user=request.user, title=form.cleaned_data["title"]
        )
    except SuggestionRefused as refusal:
        return answer(request, pitstop, str(refusal), is_error=True)
    notice = _("“%(title)s” is now a draft red thread, with its reflections as evidence.") % {
        "title": thread.title
    }
    return answer(request, pitstop, notice)


@require_POST
def suggestion_dismiss(request: HttpRequest, expedition: str, number: int, pk: int) -> HttpResponse:
    pitstop = get_pitstop(request, expedition, number)
    suggestion = get_suggestion(pitstop, pk)
    try:
        dismiss_suggestion(suggestion=suggestion, user=request.user)
    except SuggestionRefused as refusal:
        return answer(request, pitstop, str(refusal), is_error=True)
    return answer(request, pitstop, _("Suggestion dismissed."))


def answer(request: HttpRequest, pitstop: Pitstop, notice: str, *, is_error: bool = False):
    """After a decision: the panel with a notice (htmx), or back to the page with a message."""
    if request.htmx:
        return render(
            request, PANEL, panel_context(pitstop, notice=notice, notice_is_error=is_error)
        )
    (messages.error if is_error else messages.success)(request, notice)
    return redirect(
        "pitstops:suggestions", expedition=pitstop.expedition.slug, number=pitstop.number
    )


# The page opens at the list of own words: its messages show there, not at the top (base.html).
IN_SECTION = "in-section"


def own_words_url(pitstop: Pitstop) -> str:
    return (
        reverse("pitstops:suggestions", args=[pitstop.expedition.slug, pitstop.number])
        + "#eigen-woorden"
    )


@require_POST
def own_concept_add(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """Put a concern the team noticed, with its words, on the expedition's own list."""
    pitstop = get_pitstop(request, expedition, number)
    form = OwnConceptForm(request.POST, expedition=pitstop.expedition)
    if form.is_valid():
        form.instance.created_by = request.user
        try:
            with transaction.atomic():
                concept = form.save()
        except IntegrityError:  # another facilitator added the same name a moment ago
            form.add_error("name", _("This concern is already on the list."))
        else:
            messages.success(
                request,
                _("“%(name)s” is on the list. Make new suggestions to use its words.")
                % {"name": concept.name},
                extra_tags=IN_SECTION,
            )
            return redirect(own_words_url(pitstop))
    return page(request, pitstop, own_form=form)


@require_POST
def own_concept_delete(request: HttpRequest, expedition: str, number: int, pk: int) -> HttpResponse:
    pitstop = get_pitstop(request, expedition, number)
    concept = get_object_or_404(OwnConcept, pk=pk, expedition=pitstop.expedition_id)
    concept.delete()
    messages.success(
        request, _("“%(name)s” is off the list.") % {"name": concept.name}, extra_tags=IN_SECTION
    )
    return redirect(own_words_url(pitstop))
