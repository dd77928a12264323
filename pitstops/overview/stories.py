"""Stories first: the published red threads and the words a coordinator may quote.

Words reach the overview only through `quotes_for`: quotable, not held back, without a name.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from coalitions.models import Expedition

from ..models import Pitstop, RedThread, Reflection
from ..synthesis.report import continues_line


def quotes_for(reflections: QuerySet[Reflection]) -> QuerySet[Reflection]:
    """Words a coordinator may read: quotable, not held back. Only the text is ever shown."""
    return reflections.quotable().filter(is_held_back=False)


def red_threads(expedition: Expedition, pitstop: Pitstop | None) -> tuple[Pitstop | None, list]:
    """The published red threads of the chosen round, or else of the latest round that has some."""
    published = RedThread.objects.published().filter(pitstop__expedition=expedition)
    if pitstop is None:
        latest = published.order_by("-pitstop__number").values_list("pitstop_id", flat=True)
        pitstop = Pitstop.objects.filter(pk__in=latest[:1]).first()
    if pitstop is None:
        return None, []
    threads = (
        published.filter(pitstop=pitstop)
        .select_related("continues__pitstop")
        .order_by("position", "pk")
        .prefetch_related(
            "themes",
            Prefetch(
                "evidence",
                queryset=quotes_for(Reflection.objects.all()).only("pk", "text").order_by("pk"),
                to_attr="quotes",
            ),
        )
    )
    threads = list(threads)
    for thread in threads:
        # Coordinators read only what is published: an earlier draft is not named.
        thread.continues_line = continues_line(thread, published_only=True)
    return pitstop, threads
