"""The coordinators' overview: what recurs across coalitions, in figures that never name anyone.

One module per idea: `guard` holds the one privacy rule for figures split by role (a figure
that rests on a group of fewer than three people reads FEWER_THAN_3, on the page, in the chart
tables and in the exports alike); `filters` reads the URL; `stories` the published red threads
and quotable words; `figures` every figure per coalition and pitstop; `across` the themes and
heat maps over all coalitions; `exports` the rows of the CSV and Excel files. Callers import
from here, so a name can move between those modules without them noticing.
"""

from .across import (
    STRONG,
    STUCK,
    HeatMap,
    ThemeAcross,
    compass_heat_map,
    reflection_heat_map,
    themes_across,
)
from .exports import export_rows
from .figures import (
    PROFESSIONAL,
    RESIDENT,
    ROLES,
    RUNGS,
    STATUSES,
    AgreementFigures,
    CoalitionFigures,
    PitstopFigures,
    ThemeCompass,
    ThemeRow,
    coalition_figures,
)
from .filters import Filters, read_filters
from .guard import FEWER_THAN_3, MIN_GROUP, Figure, Hidden, Mean, Percent, guarded, mean, share
from .stories import quotes_for, red_threads

__all__ = [
    "FEWER_THAN_3",
    "MIN_GROUP",
    "PROFESSIONAL",
    "RESIDENT",
    "ROLES",
    "RUNGS",
    "STATUSES",
    "STRONG",
    "STUCK",
    "AgreementFigures",
    "CoalitionFigures",
    "Figure",
    "Filters",
    "HeatMap",
    "Hidden",
    "Mean",
    "Percent",
    "PitstopFigures",
    "ThemeAcross",
    "ThemeCompass",
    "ThemeRow",
    "coalition_figures",
    "compass_heat_map",
    "export_rows",
    "guarded",
    "mean",
    "quotes_for",
    "read_filters",
    "red_threads",
    "reflection_heat_map",
    "share",
    "themes_across",
]
