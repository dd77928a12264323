"""A figure of the overview, and the one rule that may withhold it: fewer than three people.

Every figure split by role passes `guarded` on its way to the page, a chart's table or an export,
so the rule cannot differ between them. `Percent` and `Mean` print a figure as the page shows it.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

MIN_GROUP = 3


class Hidden:
    """A figure withheld because it rests on fewer than three people."""

    label = gettext_lazy("fewer than 3")

    def __str__(self) -> str:
        return str(self.label)

    def __repr__(self) -> str:
        return "FEWER_THAN_3"

    def __bool__(self) -> bool:
        return False


FEWER_THAN_3 = Hidden()


class Percent(int):
    """A share in whole percent; prints as `40%`."""

    def __str__(self) -> str:
        return f"{int(self)}%"


class Mean(float):
    """A mean score, printed with one decimal in the reader's language."""

    def __str__(self) -> str:
        return number_format(float(self), 1)


Figure = int | float | Hidden | None


def guarded(value: Figure, *group_sizes: int) -> Figure:
    """THE privacy rule for figures split by role: a group of one or two people hides the figure.

    Every figure split by role on the page, in a chart's table and in an export passes here.
    An empty group hides nothing: "nobody" points at no one, and a share over it is undefined.
    """
    if any(0 < size < MIN_GROUP for size in group_sizes):
        return FEWER_THAN_3
    return value


def share(part: int, whole: int) -> Percent | None:
    return Percent(round(100 * part / whole)) if whole else None


def mean(total: float, count: int) -> Mean | None:
    return Mean(round(total / count, 1)) if count else None
