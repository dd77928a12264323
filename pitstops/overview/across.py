"""Across coalitions: where each theme is strong or stuck, which way it moved, the heat maps."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Sum

from coalitions.models import Coalition, Expedition, Theme

from ..models import CompassRating, CompassScore, Pitstop, ReflectionTally
from .change import Change, directions_count
from .figures import CoalitionFigures, PitstopFigures
from .guard import Figure, mean

STRONG = 4.0  # a coalition's mean compass on a theme from here up counts as strong
STUCK = 2.5  # and below this as stuck


@dataclass
class ThemeAcross:
    """One theme over every coalition of the expedition, at one pitstop."""

    theme: Theme
    reflections: int = 0
    rated: int = 0  # coalitions whose members scored this theme
    mean: Figure = None  # the mean of the coalitions' means: each coalition counts once
    strong: int = 0
    stuck: int = 0


def themes_across(
    expedition: Expedition, themes: Sequence[Theme], pitstop: Pitstop | None
) -> tuple[Pitstop | None, list[ThemeAcross]]:
    """Where each theme is strong or stuck, over all coalitions, in two grouped queries.

    The compass comes from the chosen pitstop, or else from the latest one anyone rated; the
    reflection counts from the summary rows (of the chosen pitstop, or of all).
    """
    rows = {theme.pk: ThemeAcross(theme=theme) for theme in themes}
    tallies = ReflectionTally.objects.filter(
        coalition__expedition=expedition, theme_key__in=list(rows)
    )
    if pitstop is not None:
        tallies = tallies.filter(pitstop_key=pitstop.pk)
    for row in tallies.order_by().values("theme_key").annotate(n=Sum("count")):
        rows[row["theme_key"]].reflections = row["n"]
    if pitstop is None:
        latest = (
            CompassRating.objects.filter(session__pitstop__expedition=expedition)
            .order_by("-session__pitstop__number")
            .values_list("session__pitstop_id", flat=True)
        )
        pitstop = Pitstop.objects.filter(pk__in=latest[:1]).first()
    if pitstop is not None:
        means: dict[int, list[float]] = defaultdict(list)
        for row in (
            CompassScore.objects.filter(rating__session__pitstop=pitstop, theme_id__in=list(rows))
            .order_by()
            .values("rating__session__coalition_id", "theme_id")
            .annotate(total=Sum("score"), n=Count("pk"))
        ):
            means[row["theme_id"]].append(row["total"] / row["n"])
        for theme_id, values in means.items():
            across = rows[theme_id]
            across.rated = len(values)
            across.mean = mean(sum(values), len(values))
            across.strong = sum(1 for value in values if value >= STRONG)
            across.stuck = sum(1 for value in values if value < STUCK)
    return pitstop, [rows[theme.pk] for theme in themes]


# --- Across coalitions: which way each theme moved since the previous pitstop ------------------


@dataclass
class DirectionRow:
    """One coalition: its reading (the chosen pitstop, or its latest rated one) per theme."""

    coalition: Coalition
    cell: PitstopFigures | None  # None: the coalition never filled in the compass (there)
    changes: list[Change | None]


@dataclass
class ThemeDirections:
    """One theme over the coalitions: how many went up, stayed, went down, or have no direction."""

    theme: Theme
    up: int = 0
    same: int = 0
    down: int = 0
    none: int = 0


def directions_across(
    figures: Iterable[CoalitionFigures], themes: Sequence[Theme], pitstop: Pitstop | None
) -> tuple[list[DirectionRow], list[ThemeDirections]]:
    """Per coalition and theme the direction since the previous pitstop held, and per theme
    the count of each. No queries: `coalition_figures` worked out every change already."""
    rows = []
    for coalition in figures:
        if pitstop is not None:
            cell = next((c for c in coalition.pitstops if c.pitstop.pk == pitstop.pk), None)
            cell = cell if cell is not None and cell.held else None
        else:
            cell = coalition.latest
        changes = [cell.change_for(theme) if cell else None for theme in themes]
        rows.append(DirectionRow(coalition=coalition.coalition, cell=cell, changes=changes))
    totals = []
    for index, theme in enumerate(themes):
        counts = directions_count([row.changes[index] for row in rows if row.changes[index]])
        counts["none"] += sum(1 for row in rows if row.changes[index] is None)
        totals.append(ThemeDirections(theme=theme, **counts))
    return rows, totals


# --- Across coalitions: the heat maps ----------------------------------------------------------


@dataclass
class HeatMap:
    """Coalitions by themes: the compass mean at one pitstop, or reflection counts."""

    coalitions: list[Coalition]
    themes: list[Theme]
    values: dict[tuple[int, int], Figure]
    pitstop: Pitstop | None = None

    def rows(self) -> list[tuple[Coalition, list[Figure]]]:
        return [
            (coalition, [self.values.get((coalition.pk, theme.pk)) for theme in self.themes])
            for coalition in self.coalitions
        ]


def compass_heat_map(
    coalitions: Sequence[Coalition], themes: Sequence[Theme], figures: Iterable[CoalitionFigures]
) -> HeatMap:
    """Each coalition's latest compass per theme: where a theme is strong or stuck."""
    values = {}
    for coalition in figures:
        for row in coalition.themes:
            values[coalition.coalition.pk, row.theme.pk] = row.latest
    return HeatMap(list(coalitions), list(themes), values)


def reflection_heat_map(
    coalitions: Sequence[Coalition],
    themes: Sequence[Theme],
    figures: Iterable[CoalitionFigures],
    pitstop: Pitstop | None,
) -> HeatMap:
    values = {}
    for coalition in figures:
        for theme in themes:
            if pitstop is None:
                count = next(
                    (row.reflections for row in coalition.themes if row.theme.pk == theme.pk), 0
                )
            else:
                cell = next(p for p in coalition.pitstops if p.pitstop.pk == pitstop.pk)
                count = cell.reflections_by_theme.get(theme.pk, 0)
            values[coalition.coalition.pk, theme.pk] = count
    return HeatMap(list(coalitions), list(themes), values, pitstop)
