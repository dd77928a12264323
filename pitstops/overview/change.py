"""What changed since the previous pitstop, in words: higher, the same, lower, or why not said.

A coalition's compass per theme and its place on the ladder are compared with the previous
pitstop the coalition held (a pitstop it skipped is passed over, and the words name the one
compared with). A comparison is only made when both readings rest on three answers or more (the
fewer-than-3 rule, `guard.MIN_GROUP`): otherwise, and when there is nothing before it or the theme
was not scored then (a theme added halfway), the reason is said instead of a direction, so no page
draws an arrow that means nothing. The journey page and the coordinators' overview both read
their directions from here, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from ..models import CompassRating, Pitstop
from .guard import FEWER_THAN_3, MIN_GROUP, Hidden

RUNGS = [rung.value for rung in CompassRating.Rung]
# Means are shown with one decimal; a difference smaller than this reads as "the same", so a
# tenth up or down (one person's answer in a larger group) is not called a change.
SAME_WITHIN = 0.2


class Direction(models.TextChoices):
    UP = "up", gettext_lazy("higher")
    SAME = "same", gettext_lazy("the same")
    DOWN = "down", gettext_lazy("lower")


class NoComparison(models.TextChoices):
    """Why a reading has no direction. The labels are short, for a table cell or an export."""

    FIRST = "first", gettext_lazy("first time")
    NOT_SCORED_BEFORE = "not_scored_before", gettext_lazy("not scored before")
    TOO_FEW = "too_few", gettext_lazy("fewer than 3")
    NOT_SCORED = "not_scored", gettext_lazy("not scored")


# Shapes, not colours, tell the direction; the word always stands beside them.
ICONS = {Direction.UP: "▲", Direction.SAME: "=", Direction.DOWN: "▼"}


@dataclass(frozen=True)
class Change:
    """A reading compared with the one `since`: a direction, or the reason there is none."""

    direction: Direction | None = None
    reason: NoComparison | None = None
    since: Pitstop | None = None
    before: object = None  # the earlier reading: a mean, or a rung
    after: object = None

    @property
    def icon(self) -> str:
        return ICONS.get(self.direction, "")

    @property
    def word(self) -> str:
        """One word for a table cell or an export: higher, the same, lower, or why not."""
        if self.direction is not None:
            return str(self.direction.label)
        return str(self.reason.label) if self.reason else ""

    @property
    def steps(self) -> int:
        """Rungs moved on the ladder (positive is towards "by residents")."""
        if self.direction is None or not isinstance(self.before, str):
            return 0
        return RUNGS.index(self.after) - RUNGS.index(self.before)

    def compass_sentence(self) -> str:
        """The change of one theme's compass, as a sentence."""
        if self.direction is None:
            return self._reason_sentence()
        values = {"number": self.since.number, "before": _mean_text(self.before)}
        if self.direction == Direction.UP:
            return gettext("Higher than at pitstop %(number)d (%(before)s).") % values
        if self.direction == Direction.DOWN:
            return gettext("Lower than at pitstop %(number)d (%(before)s).") % values
        return gettext("The same as at pitstop %(number)d (%(before)s).") % values

    def ladder_sentence(self) -> str:
        """The change on the ladder: "From 'for residents' to 'with residents': a step forward"."""
        if self.direction is None:
            return self._reason_sentence()
        places = {
            "before": CompassRating.Rung(self.before).label,
            "after": CompassRating.Rung(self.after).label,
            "number": self.since.number,
        }
        if self.direction == Direction.SAME:
            return gettext("Still at “%(after)s”, as at pitstop %(number)d.") % places
        steps = abs(self.steps)
        if self.direction == Direction.UP:
            move = ngettext("a step forward", "%(steps)d steps forward", steps)
        else:
            move = ngettext("a step back", "%(steps)d steps back", steps)
        return gettext("From “%(before)s” at pitstop %(number)d to “%(after)s”: %(move)s.") % {
            **places,
            "move": move % {"steps": steps},
        }

    def _reason_sentence(self) -> str:
        number = self.since.number if self.since else 0
        if self.reason == NoComparison.FIRST:
            return gettext("The first time: nothing to compare with yet.")
        if self.reason == NoComparison.NOT_SCORED_BEFORE:
            return gettext("Not scored at pitstop %(number)d, so no comparison.") % {
                "number": number
            }
        if self.reason == NoComparison.TOO_FEW and self.since is not None:
            return gettext(
                "Fewer than 3 answers here or at pitstop %(number)d, so no comparison."
            ) % {"number": number}
        if self.reason == NoComparison.TOO_FEW:
            return gettext("Fewer than 3 answers, so no comparison.")
        return ""


def _mean_text(value: object) -> str:
    return number_format(float(value), 1) if isinstance(value, int | float) else str(value)


def compass_change(
    now: tuple[float | None, int], then: tuple[float | None, int] | None, since: Pitstop | None
) -> Change:
    """One theme's mean now against the previous held pitstop's: (mean, answers) each.

    `then` is None when there is no earlier held pitstop.
    """
    mean, answers = now
    if mean is None or answers == 0:
        return Change(reason=NoComparison.NOT_SCORED, since=since)
    if then is None or since is None:
        return Change(reason=NoComparison.FIRST)
    before, before_answers = then
    if before is None or before_answers == 0:
        return Change(reason=NoComparison.NOT_SCORED_BEFORE, since=since)
    if answers < MIN_GROUP or before_answers < MIN_GROUP:
        return Change(reason=NoComparison.TOO_FEW, since=since)
    difference = round(float(mean) - float(before), 1)
    if abs(difference) < SAME_WITHIN:
        direction = Direction.SAME
    else:
        direction = Direction.UP if difference > 0 else Direction.DOWN
    return Change(direction=direction, since=since, before=before, after=mean)


def ladder_place(counts: Mapping[str, int]) -> str | Hidden | None:
    """Where the raters put the coalition on the ladder: the middle answer (the median rung).

    The median, not the most chosen rung: it has no ties to break and one outlier does not move
    it. With an even number of answers the lower of the two middle ones, so a step forward is
    only claimed when at least half the raters took it. Fewer than three answers: withheld.
    """
    answers = sorted(index for index, rung in enumerate(RUNGS) for _ in range(counts.get(rung, 0)))
    if not answers:
        return None
    if len(answers) < MIN_GROUP:
        return FEWER_THAN_3
    return RUNGS[answers[(len(answers) - 1) // 2]]


def ladder_change(now: object, then: object, since: Pitstop | None) -> Change:
    """The ladder's middle answer now against the previous held pitstop's (see `ladder_place`).

    `since` is None when there is no earlier held pitstop.
    """
    if now is None:
        return Change(reason=NoComparison.NOT_SCORED, since=since)
    if since is None:
        return Change(reason=NoComparison.FIRST)
    if then is None:
        return Change(reason=NoComparison.NOT_SCORED_BEFORE, since=since)
    if isinstance(now, Hidden) or isinstance(then, Hidden):
        return Change(reason=NoComparison.TOO_FEW, since=since)
    steps = RUNGS.index(now) - RUNGS.index(then)
    direction = Direction.SAME if steps == 0 else (Direction.UP if steps > 0 else Direction.DOWN)
    return Change(direction=direction, since=since, before=then, after=now)


def directions_count(changes: Sequence[Change]) -> dict[str, int]:
    """How many changes went each way, and how many have none: for a sentence per theme."""
    counts = {direction.value: 0 for direction in Direction}
    counts["none"] = 0
    for change in changes:
        counts[change.direction.value if change.direction else "none"] += 1
    return counts
