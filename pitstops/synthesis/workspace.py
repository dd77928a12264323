"""What the facilitation team reads after a round: every reflection it may read, filtered.

The same few queries whatever the amount of data: marks and use as evidence are correlated
subqueries on the page's rows, not joins that multiply them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ..models import Pitstop, RedThread, Reflection, ResonanceMark

SEARCH_CONFIG = "dutch"
# Marks the database puts around a hit; the template escapes the text first, then turns these
# into <mark>, so a reflection's own text can never inject HTML through a snippet.
HIT_START, HIT_STOP = "\ue000", "\ue001"


def full_text_search() -> bool:
    """Dutch text search where the database has it (PostgreSQL); icontains elsewhere."""
    return connection.vendor == "postgresql"


def search_vector() -> SearchVector:
    # The very expression of the GIN index in migration pitstops 0003, so the index serves it.
    return SearchVector("text", config=SEARCH_CONFIG)


@dataclass(frozen=True)
class Filters:
    query: str = ""
    theme: Any = None
    coalition: Any = None
    kind: str = ""
    author_role: str = ""
    visibility: str = ""
    min_marks: int | None = None
    unused: bool = False


def round_reflections(*, pitstop: Pitstop, user: Any) -> QuerySet[Reflection]:
    """Every reflection of the round this user may read (the privacy rule stays in visible_to)."""
    return (
        Reflection.objects.visible_to(user)
        .of_round(pitstop)
        .filter(coalition__expedition_id=pitstop.expedition_id)
    )


def _mark_count() -> Coalesce:
    marks = (
        ResonanceMark.objects.filter(reflection=OuterRef("pk"))
        .order_by()
        .values("reflection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(marks, output_field=IntegerField()), Value(0))


def _is_evidence() -> Exists:
    return Exists(RedThread.evidence.through.objects.filter(reflection_id=OuterRef("pk")))


def _search_query(filters: Filters) -> SearchQuery:
    return SearchQuery(filters.query, config=SEARCH_CONFIG, search_type="websearch")


def matching_ids(*, pitstop: Pitstop, user: Any, filters: Filters) -> QuerySet[Any]:
    """The primary keys of the matching reflections, in the order the page shows them.

    Only keys: the page's details (marks, use, snippet) are read for its 25 rows afterwards, so
    a round of 100,000 reflections does not compute them for every row before sorting.
    """
    reflections = round_reflections(pitstop=pitstop, user=user)
    if filters.theme is not None:
        reflections = reflections.filter(theme=filters.theme)
    if filters.coalition is not None:
        reflections = reflections.filter(coalition=filters.coalition)
    if filters.kind:
        reflections = reflections.filter(kind=filters.kind)
    if filters.author_role:
        reflections = reflections.filter(author_role=filters.author_role)
    if filters.visibility:
        reflections = reflections.filter(visibility=filters.visibility)
    if filters.min_marks:
        reflections = reflections.annotate(mark_count=_mark_count()).filter(
            mark_count__gte=filters.min_marks
        )
    if filters.unused:
        reflections = reflections.filter(~_is_evidence())
    if not filters.query:
        ordered = reflections.order_by("-created_at", "-pk")
    elif not full_text_search():
        ordered = reflections.filter(text__icontains=filters.query).order_by("-created_at", "-pk")
    else:
        query = _search_query(filters)
        ordered = (
            reflections.annotate(search=search_vector())
            .filter(search=query)
            .annotate(rank=SearchRank(search_vector(), query))
            .order_by("-rank", "-created_at", "-pk")
        )
    return ordered.values_list("pk", flat=True)


def page_rows(ids: list[int], filters: Filters) -> list[Reflection]:
    """One page's reflections, in the given order, with what the workspace shows of each."""
    rows = (
        Reflection.objects.filter(pk__in=ids)
        .select_related("coalition", "theme")
        .only(
            "pk",
            "text",
            "kind",
            "phase",  # a story of change says so instead of its kind
            "visibility",
            "author_role",
            "is_anonymous",
            "is_held_back",
            "created_at",
            "session_id",
            "coalition__name",
            "theme__name_nl",
            "theme__name_en",
            "theme__key",
        )
        .annotate(mark_count=_mark_count(), is_evidence=_is_evidence())
    )
    if filters.query and full_text_search():
        rows = rows.annotate(
            snippet=SearchHeadline(
                "text",
                _search_query(filters),
                config=SEARCH_CONFIG,
                start_sel=HIT_START,
                stop_sel=HIT_STOP,
                # The whole reflection (at most 2,000 characters) with its hits marked: the team
                # reads the words before quoting them, not a fragment.
                highlight_all=True,
            )
        )
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]
