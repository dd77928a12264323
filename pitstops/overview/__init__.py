"""The coordinators' overview: what recurs across coalitions, in figures that never name anyone.

One module per idea: `guard` holds the one privacy rule for figures split by role (a figure
that rests on a group of fewer than three people reads FEWER_THAN_3, on the page, in the chart
tables and in the exports alike); `filters` reads the URL; `stories` the published red threads
and quotable words; `figures` every figure per coalition and pitstop; `change` what changed
since the previous pitstop, in words; `across` the themes and heat maps over all coalitions;
`exports` the rows of the CSV and Excel files. Callers import
from here, so a name can move between those modules without them noticing.
"""

from .across import (
    STRONG,
    STUCK,
    DirectionRow,
    HeatMap,
    ThemeAcross,
    ThemeDirections,
    compass_heat_map,
    directions_across,
    reflection_heat_map,
    themes_across,
)
from .change import (
    ICONS,
    Change,
    Direction,
    NoComparison,
    compass_change,
    directions_count,
    ladder_change,
    ladder_place,
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
from .stories import Recurring, quotes_for, recurring_red_threads, red_threads

__all__ = [
    "FEWER_THAN_3",
    "ICONS",
    "MIN_GROUP",
    "PROFESSIONAL",
    "RESIDENT",
    "ROLES",
    "RUNGS",
    "STATUSES",
    "STRONG",
    "STUCK",
    "AgreementFigures",
    "Change",
    "CoalitionFigures",
    "Direction",
    "DirectionRow",
    "Figure",
    "Filters",
    "HeatMap",
    "Hidden",
    "Mean",
    "NoComparison",
    "Percent",
    "PitstopFigures",
    "Recurring",
    "ThemeAcross",
    "ThemeCompass",
    "ThemeDirections",
    "ThemeRow",
    "coalition_figures",
    "compass_change",
    "compass_heat_map",
    "directions_across",
    "directions_count",
    "export_rows",
    "guarded",
    "ladder_change",
    "ladder_place",
    "mean",
    "quotes_for",
    "read_filters",
    "recurring_red_threads",
    "red_threads",
    "reflection_heat_map",
    "share",
    "themes_across",
]
