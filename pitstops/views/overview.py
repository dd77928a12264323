"""The coordinators' overview of an expedition, and its export to CSV and Excel.

Stories first (published red threads and consented quotes), then figures per coalition and
pitstop, a page of coalitions at a time. Every figure comes from `pitstops.overview`, which
applies the privacy rules; this module only chooses, draws and writes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from coalitions.models import Coalition, Expedition, Theme
from coalitions.rules import get_for_user_or_404

from .. import charts
from ..models import CompassRating, Pitstop
from ..overview import (
    RUNGS,
    STRONG,
    STUCK,
    CoalitionFigures,
    Figure,
    Filters,
    Hidden,
    Mean,
    Percent,
    coalition_figures,
    compass_heat_map,
    directions_across,
    export_rows,
    read_filters,
    recurring_red_threads,
    red_threads,
    reflection_heat_map,
    themes_across,
)

# Twenty coalitions per page keep one response readable (and quick) at two hundred.
PAGE_SIZE = 20


@dataclass
class Selection:
    """The expedition and what the URL's filters chose from it."""

    expedition: Expedition
    pitstops: list[Pitstop]
    themes: list[Theme]
    filters: Filters

    @property
    def shown_themes(self) -> list[Theme]:
        return [self.filters.theme] if self.filters.theme else self.themes

    @property
    def shown_pitstops(self) -> list[Pitstop]:
        return [self.filters.pitstop] if self.filters.pitstop else self.pitstops

    def coalition_choices(self) -> Any:
        """Every coalition of the expedition, to choose from by name rather than type a slug.

        `view_overview` is granted on the expedition, so whoever sees the page may see them all.
        """
        return self.expedition.coalitions.order_by("name", "pk").only("slug", "name")

    def coalitions(self) -> Any:
        if self.filters.is_unknown:
            return Coalition.objects.none()
        coalitions = self.expedition.coalitions.order_by("name", "pk")
        if self.filters.coalition:
            coalitions = coalitions.filter(pk=self.filters.coalition.pk)
        return coalitions


def _select(request: HttpRequest, slug: str) -> Selection:
    expedition = get_for_user_or_404(
        request.user, "coalitions.view_overview", Expedition, slug=slug
    )
    pitstops = list(expedition.pitstops.order_by("number"))
    themes = list(expedition.themes.order_by("position", "pk"))
    filters = read_filters(request.GET, pitstops=pitstops, themes=themes, expedition=expedition)
    return Selection(expedition, pitstops, themes, filters)


def _coalition_block(
    figures: CoalitionFigures, selection: Selection, *, with_charts: bool
) -> dict[str, Any]:
    """What one coalition's row shows: its figures and, opened on its own, its charts.

    A page of twenty rows holds the figures; the charts (three per coalition, each with its
    table) come with the coalition's own view, one click away, so the page stays light.
    """
    coalition = figures.coalition
    themes = selection.shown_themes
    names = [theme.name for theme in themes]
    latest = figures.latest
    chosen = selection.filters.pitstop
    ladder_cell = (
        next(cell for cell in figures.pitstops if cell.pitstop.pk == chosen.pk)
        if chosen
        else latest
    )
    rung_labels = [str(CompassRating.Rung(rung).label) for rung in RUNGS]
    prefix = f"c{coalition.pk}"
    block: dict[str, Any] = {
        "figures": figures,
        "cells": [
            cell for cell in figures.pitstops if chosen is None or cell.pitstop.pk == chosen.pk
        ],
    }
    if not with_charts:
        return block
    return {
        **block,
        "radar": charts.radar(
            f"{prefix}-radar",
            gettext("Compass of %(coalition)s") % {"coalition": coalition.name},
            names,
            [row.latest for row in figures.themes],
            extra=[
                (gettext("Residents"), [row.resident_mean for row in figures.themes]),
                (gettext("Professionals"), [row.professional_mean for row in figures.themes]),
                (gettext("Residents minus professionals"), [row.gap for row in figures.themes]),
            ],
        ),
        "trend": charts.small_multiples(
            f"{prefix}-trend",
            gettext("Compass per pitstop, %(coalition)s") % {"coalition": coalition.name},
            [str(pitstop.number) for pitstop in selection.pitstops],
            [(row.theme.name, row.trend) for row in figures.themes],
        ),
        "ladder": charts.ladder_bars(
            f"{prefix}-ladder",
            gettext("The ladder, %(coalition)s") % {"coalition": coalition.name},
            rung_labels,
            [ladder_cell.ladder[rung] for rung in RUNGS] if ladder_cell else [0] * len(RUNGS),
            [ladder_cell.ladder_shift[rung] for rung in RUNGS]
            if ladder_cell and ladder_cell.ladder_shift
            else None,
        ),
    }


@require_safe
def overview(request: HttpRequest, expedition: str) -> HttpResponse:
    """What recurs across the coalitions, stories first; figures a page of coalitions at a time."""
    selection = _select(request, expedition)
    filters = selection.filters
    problems = list(filters.problems)
    thread_pitstop, threads = red_threads(selection.expedition, filters.pitstop)
    if filters.theme:
        threads = [t for t in threads if filters.theme in t.themes.all()]

    across_pitstop, across = themes_across(
        selection.expedition, selection.shown_themes, filters.pitstop
    )
    paginator = Paginator(selection.coalitions(), PAGE_SIZE)
    page = None
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        problems.append(gettext("That page number is not a number."))
    except EmptyPage:
        problems.append(
            gettext("There is no page %(page)s; the last page is %(last)s.")
            % {"page": request.GET.get("page", "")[:10], "last": paginator.num_pages}
        )
    coalitions = list(page.object_list) if page is not None else []
    figures = coalition_figures(
        coalitions, pitstops=selection.pitstops, themes=selection.shown_themes
    )
    blocks = [
        _coalition_block(item, selection, with_charts=filters.coalition is not None)
        for item in figures
    ]

    def link(**changes: str) -> str:
        return "?" + urlencode(filters.query(**changes))

    direction_rows, direction_totals = directions_across(
        figures, selection.shown_themes, filters.pitstop
    )
    recurring = recurring_red_threads(
        selection.expedition, pitstop=filters.pitstop, theme=filters.theme
    )
    theme_names = [theme.name for theme in selection.shown_themes]
    compass_map = compass_heat_map(coalitions, selection.shown_themes, figures)
    reflections_map = reflection_heat_map(
        coalitions, selection.shown_themes, figures, filters.pitstop
    )
    for block in blocks:
        slug = block["figures"].coalition.slug
        block["link"] = link(coalition=slug) + f"#coalition-{slug}"
    heat_rows = {
        coalition.pk: (
            coalition.name,
            link(coalition=coalition.slug) + f"#coalition-{coalition.slug}",
        )
        for coalition in coalitions
    }
    compass_chart = charts.heat_map(
        "heat-compass",
        gettext("Compass per coalition and theme (latest pitstop)"),
        [(*heat_rows[c.pk], values) for c, values in compass_map.rows()],
        theme_names,
        low=1,
        high=5,
    )
    counts = [v for _, values in reflections_map.rows() for v in values if isinstance(v, int)]
    reflections_chart = charts.heat_map(
        "heat-reflections",
        gettext("Reflections per coalition and theme"),
        [(*heat_rows[c.pk], values) for c, values in reflections_map.rows()],
        theme_names,
        low=min(counts, default=0),
        high=max(counts, default=0),
    )
    page_links = []
    if page is not None and paginator.num_pages > 1:
        page_links = [
            (number, link(page=str(number)), number == page.number)
            for number in paginator.page_range
        ]
    return render(
        request,
        "pitstops/overview.html",
        {
            "expedition": selection.expedition,
            "selection": selection,
            "filters": filters,
            "problems": problems,
            "thread_pitstop": thread_pitstop,
            "threads": threads,
            "recurring": recurring,
            "direction_rows": direction_rows,
            "direction_totals": direction_totals,
            "blocks": blocks,
            "across": across,
            "across_pitstop": across_pitstop,
            "strong": STRONG,
            "stuck": STUCK,
            "page": page,
            "page_links": page_links,
            "coalition_count": paginator.count,
            "compass_chart": compass_chart,
            "reflections_chart": reflections_chart,
            "export_query": link(),
            "rung_labels": [CompassRating.Rung(rung).label for rung in RUNGS],
        },
    )


# --- Exports ---------------------------------------------------------------------------------


def _export_table(request: HttpRequest, slug: str) -> tuple[Selection, list[str], list[list]]:
    selection = _select(request, slug)
    figures = coalition_figures(
        list(selection.coalitions()), pitstops=selection.pitstops, themes=selection.shown_themes
    )
    headers, rows = export_rows(
        figures, themes=selection.shown_themes, pitstop=selection.filters.pitstop
    )
    return selection, headers, rows


def _plain(value: Figure | str) -> str | int | float:
    """A cell for a file: withheld figures as the words "fewer than 3", numbers as numbers."""
    if isinstance(value, Hidden):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, Percent):
        return int(value)
    if isinstance(value, Mean):
        return float(value)
    return value


def _file_name(selection: Selection, extension: str) -> str:
    return f"{gettext('overview')}-{slugify(selection.expedition.slug)}.{extension}"


@require_safe
def overview_csv(request: HttpRequest, expedition: str) -> HttpResponse:
    """The overview's figures per coalition and pitstop, as CSV (UTF-8, for spreadsheets too)."""
    selection, headers, rows = _export_table(request, expedition)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([_plain(value) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(selection, "csv")}"'
    return response


@require_safe
def overview_xlsx(request: HttpRequest, expedition: str) -> HttpResponse:
    """The same figures as an Excel workbook."""
    from openpyxl import Workbook

    selection, headers, rows = _export_table(request, expedition)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Overview")[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([_plain(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name(selection, "xlsx")}"'
    return response
