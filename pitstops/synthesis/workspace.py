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


def workspace_reflections(*, pitstop: Pitstop, user: Any, filters: Filters) -> QuerySet[Reflection]:
    marks = (
        ResonanceMark.objects.filter(reflection=OuterRef("pk"))
        .order_by()
        .values("reflection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    used = RedThread.evidence.through.objects.filter(reflection_id=OuterRef("pk"))
    reflections = (
        round_reflections(pitstop=pitstop, user=user)
        .select_related("coalition", "theme")
        .only(
            "pk",
            "text",
            "kind",
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
        .annotate(
            mark_count=Coalesce(Subquery(marks, output_field=IntegerField()), Value(0)),
            is_evidence=Exists(used),
        )
    )
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
        reflections = reflections.filter(mark_count__gte=filters.min_marks)
    if filters.unused:
        reflections = reflections.filter(is_evidence=False)
    if not filters.query:
        return reflections.order_by("-created_at", "-pk")
    if not full_text_search():
        return reflections.filter(text__icontains=filters.query).order_by("-created_at", "-pk")
    query = SearchQuery(filters.query, config=SEARCH_CONFIG, search_type="websearch")
    return (
        reflections.annotate(search=search_vector())
        .filter(search=query)
        .annotate(
            rank=SearchRank(search_vector(), query),
            snippet=SearchHeadline(
                "text",
                query,
                config=SEARCH_CONFIG,
                start_sel=HIT_START,
                stop_sel=HIT_STOP,
                # The whole reflection (at most 2,000 characters) with its hits marked: the team
                # reads the words before quoting them, not a fragment.
                highlight_all=True,
            ),
        )
        .order_by("-rank", "-created_at", "-pk")
    )
