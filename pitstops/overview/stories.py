"""Stories first: the published red threads and the words a coordinator may quote.

Words reach the overview only through `quotes_for`: quotable, not held back, without a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from coalitions.models import Expedition, Theme

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


@dataclass
class Recurring:
    """A published red thread and the published ones it goes on from, oldest first."""

    threads: list[RedThread]

    @property
    def latest(self) -> RedThread:
        return self.threads[-1]

    def steps(self) -> list[tuple[RedThread, str]]:
        """Each red thread with the line that says which one it goes on from ("" for the first)."""
        return [
            (thread, continues_line(thread, published_only=True) if index else "")
            for index, thread in enumerate(self.threads)
        ]


def recurring_red_threads(
    expedition: Expedition, *, pitstop: Pitstop | None = None, theme: Theme | None = None
) -> list[Recurring]:
    """Red threads that come back round after round, by their `continues` links, in 3 queries.

    Only published red threads and links between published ones: a coordinator never hears of
    a draft, not even as a step between two published ones (the chain then stops there). With
    a pitstop or theme chosen, only the chains that touch it.
    """
    published = RedThread.Status.PUBLISHED
    links = list(
        RedThread.objects.published()
        .filter(pitstop__expedition=expedition, continues__status=published)
        .select_related("pitstop", "continues__pitstop")
        .prefetch_related("themes", "continues__themes")
        .order_by("-pitstop__number", "position", "pk")
    )
    by_pk = {thread.pk: thread for thread in links}
    continued = {thread.continues_id for thread in links}
    chains = []
    for leaf in links:
        if leaf.pk in continued:
            continue  # a later red thread goes on from it: it is a step in that one's chain
        chain, seen, node = [leaf], {leaf.pk}, leaf
        while node.continues_id and node.continues_id not in seen:
            # The fuller copy (with its own link loaded) if the earlier one continues another.
            node = by_pk.get(node.continues_id) or node.continues
            if node.status != published:
                break
            chain.append(node)
            seen.add(node.pk)
        chains.append(Recurring(threads=chain[::-1]))
    if pitstop is not None:
        chains = [c for c in chains if any(t.pitstop_id == pitstop.pk for t in c.threads)]
    if theme is not None:
        chains = [c for c in chains if any(theme in t.themes.all() for t in c.threads)]
    return chains
