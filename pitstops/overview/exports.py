"""Exports: the figures the page shows, as rows for CSV and Excel, under the same rule.

The direction since the previous pitstop is a word per theme (higher, the same, lower, or why
there is none, e.g. "fewer than 3"), as the page says it (`change`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext

from coalitions.models import Theme

from ..models import Agreement, CompassRating, Pitstop
from .figures import RUNGS, STATUSES, CoalitionFigures, ThemeCompass
from .guard import Figure


def export_rows(
    figures: Iterable[CoalitionFigures], *, themes: Sequence[Theme], pitstop: Pitstop | None
) -> tuple[list[str], list[list[Figure | str]]]:
    """One row per coalition and pitstop: the figures the page shows, already guarded."""
    headers = [
        gettext("Coalition"),
        gettext("Pitstop"),
        gettext("Session held"),
        gettext("Residents present"),
        gettext("Professionals present"),
        gettext("Guests present"),
        gettext("Reflections"),
        *[gettext("Reflections: %(theme)s") % {"theme": theme.name} for theme in themes],
        gettext("Share written by residents (%)"),
        *[gettext("Compass: %(theme)s") % {"theme": theme.name} for theme in themes],
        *[gettext("Perception gap: %(theme)s") % {"theme": theme.name} for theme in themes],
        *[
            gettext("Since the previous pitstop: %(theme)s") % {"theme": theme.name}
            for theme in themes
        ],
        *[str(CompassRating.Rung(rung).label) for rung in RUNGS],
        *[
            gettext("Agreements %(status)s") % {"status": Agreement.Status(s).label}
            for s in STATUSES
        ],
        gettext("Agreements overdue"),
        gettext("Agreements led by residents (%)"),
        gettext("Small things"),
        gettext("Small things led or joined by residents (%)"),
    ]
    rows: list[list[Figure | str]] = []
    for coalition in figures:
        for cell in coalition.pitstops:
            if pitstop is not None and cell.pitstop.pk != pitstop.pk:
                continue
            compass = [cell.compass.get(theme.pk, ThemeCompass()) for theme in themes]
            rows.append(
                [
                    coalition.coalition.name,
                    str(cell.pitstop),
                    gettext("yes") if cell.held else gettext("no"),
                    cell.residents_present,
                    cell.professionals_present,
                    cell.guests_present,
                    cell.reflections,
                    *[cell.reflections_by_theme.get(theme.pk, 0) for theme in themes],
                    cell.resident_share,
                    *[item.mean for item in compass],
                    *[item.gap for item in compass],
                    # Only held pitstops are compared; a row of one not held stays empty.
                    *[cell.change_for(theme).word if cell.held else "" for theme in themes],
                    *[cell.ladder[rung] for rung in RUNGS],
                    *[cell.agreements.counts[status] for status in STATUSES],
                    cell.agreements.overdue,
                    cell.agreements.resident_share,
                    coalition.small_things,
                    coalition.small_things_by_residents,
                ]
            )
    return headers, rows
