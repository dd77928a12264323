"""A coalition's journey: its pitstops in order, said in words, with the figures beside them.

For each pitstop: whether the coalition held it (when, where) or not, the compass per theme and
the place on the ladder with what changed since the previous pitstop it held, the agreements made
there and what came of them, the small things done on the way to it, and the stories of change
the group chose (the round "Stories of change", pitstops.synthesis.stories).

The figures come from the coordinators' overview (`pitstops.overview.coalition_figures`), so the
fewer-than-3 rule, "held" and the directions (`overview.change`) are the same on both pages. A
page asks the database a fixed number of questions, however many pitstops there are.

Two readers. The coalition's members and the expedition's facilitation team see all of it (`full`).
Coordinators see only what is published or counted: the compass and ladder (never below three
answers; they are hidden below three for everyone), the agreements themselves only when the
pitstop's report is published (the report shows them too, by role), otherwise how many there are;
small things as counts; leads by role, never by name.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from coalitions.models import Coalition, Member, SmallThing, Theme

from . import charts
from .models import Agreement, CompassRating, Pitstop, Reflection, Session
from .overview import (
    RUNGS,
    Change,
    Figure,
    Hidden,
    PitstopFigures,
    coalition_figures,
    guarded,
)
from .synthesis.stories import ChosenStory

# On the page, a pitstop lists this many small things at most (and says how many more there are).
SMALL_THINGS_SHOWN = 10


class State:
    """Whether the coalition held a pitstop, in a word the template can branch on."""

    HELD = "held"
    PLANNED = "planned"  # a session is set for a day still to come
    SKIPPED = "skipped"  # no session, and the round is over (or a later one was held)
    NOT_YET = "not_yet"  # no session yet, and the round is not over


@dataclass
class ThemeReading:
    """One theme's compass at one pitstop: the mean (hidden below three answers) and its change."""

    theme: Theme
    mean: Figure
    answers: int
    change: Change | None

    @property
    def text(self) -> str:
        """The reading in words: the mean and from how many answers, or why there is none."""
        if not self.answers:
            return gettext("not filled in")
        if isinstance(self.mean, Hidden):
            return ngettext(
                "only %(count)d answer: too few to show",
                "only %(count)d answers: too few to show",
                self.answers,
            ) % {"count": self.answers}
        return gettext("%(mean)s, from %(count)d answers") % {
            "mean": self.mean,
            "count": self.answers,
        }

    @property
    def change_text(self) -> str:
        return self.change.compass_sentence() if self.change else ""


@dataclass
class AgreementLine:
    what: str
    lead: str  # "Ans (resident)" for the coalition and its team; only the role for coordinators
    status: str
    status_label: str
    outcome: str = ""


@dataclass
class SmallThings:
    """The small things of a stretch of the journey: how many of each kind, and (full) which."""

    counts: dict[str, int] = field(default_factory=dict)
    shown: list[SmallThing] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.shown))

    def count_of(self) -> list[tuple[str, int]]:
        """(kind's label, how many), for each kind that occurs, in the kinds' order."""
        return [
            (str(kind.label), self.counts[kind.value])
            for kind in SmallThing.Kind
            if self.counts.get(kind.value)
        ]


@dataclass
class Stop:
    """One pitstop on the coalition's journey."""

    pitstop: Pitstop
    state: str
    session: Session | None = None
    themes: list[ThemeReading] = field(default_factory=list)
    raters: int = 0
    ladder: dict[str, int] = field(default_factory=dict)
    ladder_place: str | Hidden | None = None
    ladder_change: Change | None = None
    ladder_chart: charts.Chart | None = None
    agreements: list[AgreementLine] = field(default_factory=list)
    agreement_counts: dict[str, int] = field(default_factory=dict)
    agreements_shown: bool = True  # False: a coordinator, before the report is published
    small_things: SmallThings = field(default_factory=SmallThings)
    # The round "Stories of change": the story the group chose at this pitstop, with the why,
    # as far as this reader may read it (see _chosen_stories).
    stories: list[ChosenStory] = field(default_factory=list)

    @property
    def is_held(self) -> bool:
        return self.state == State.HELD

    @property
    def is_scored(self) -> bool:
        return any(reading.answers for reading in self.themes)

    @property
    def ladder_text(self) -> str:
        """Where the coalition stands on the ladder, in a sentence, or why that is not said."""
        place = self.ladder_place
        if place is None:
            return gettext("Nobody placed the coalition on the ladder at this pitstop.")
        if isinstance(place, Hidden):
            return gettext(
                "Fewer than 3 answers: too few to say where the coalition stands on the ladder."
            )
        return gettext("The coalition stands at “%(place)s” (the middle answer of %(count)d).") % {
            "place": CompassRating.Rung(place).label,
            "count": self.raters,
        }

    @property
    def ladder_change_text(self) -> str:
        return self.ladder_change.ladder_sentence() if self.ladder_change else ""

    @property
    def agreements_total(self) -> int:
        return sum(self.agreement_counts.values())

    def agreement_count_of(self) -> list[tuple[str, int]]:
        return [
            (str(status.label), self.agreement_counts[status.value])
            for status in Agreement.Status
            if self.agreement_counts.get(status.value)
        ]


@dataclass
class Journey:
    coalition: Coalition
    full: bool
    stops: list[Stop]
    themes: list[Theme]
    compass_chart: charts.Chart | None = None
    # Small things after the last pitstop ended, on the way to none yet planned.
    since_last: SmallThings = field(default_factory=SmallThings)

    @property
    def held(self) -> list[Stop]:
        return [stop for stop in self.stops if stop.is_held]

    @property
    def latest_ladder(self) -> Stop | None:
        """The latest held pitstop with a place on the ladder (three answers or more)."""
        placed = [stop for stop in self.held if isinstance(stop.ladder_place, str)]
        return placed[-1] if placed else None


def build_journey(coalition: Coalition, *, full: bool) -> Journey:
    """The coalition's journey, for a reader who sees all of it (`full`) or a coordinator."""
    expedition = coalition.expedition
    pitstops = list(expedition.pitstops.order_by("number"))
    themes = list(expedition.themes.order_by("position", "pk"))
    figures = coalition_figures([coalition], pitstops=pitstops, themes=themes)[0]
    sessions = {session.pitstop_id: session for session in coalition.sessions.all()}
    today = timezone.localdate()

    stops = []
    later_held = False
    for cell in reversed(figures.pitstops):
        session = sessions.get(cell.pitstop.pk)
        stops.append(_stop(cell, session, themes, later_held=later_held, today=today))
        later_held = later_held or cell.held
    stops.reverse()

    by_pitstop = _agreements(coalition, full=full)
    for stop in stops:
        lines, counts = by_pitstop.get(stop.pitstop.pk, ([], Counter()))
        stop.agreement_counts = dict(counts)
        stop.agreements_shown = full or stop.pitstop.is_report_published
        stop.agreements = lines if stop.agreements_shown else []

    stories = _chosen_stories(coalition, sessions.values(), full=full)
    for stop in stops:
        stop.stories = stories.get(stop.pitstop.pk, [])

    since_last = _small_things(coalition, stops, full=full)
    return Journey(
        coalition=coalition,
        full=full,
        stops=stops,
        themes=themes,
        compass_chart=_compass_chart(coalition, stops, themes)
        if any(stop.is_scored for stop in stops)
        else None,
        since_last=since_last,
    )


def _stop(
    cell: PitstopFigures,
    session: Session | None,
    themes: Sequence[Theme],
    *,
    later_held: bool,
    today: datetime.date,
) -> Stop:
    pitstop = cell.pitstop
    if session is not None:
        state = State.HELD if cell.held else State.PLANNED
    elif later_held or (pitstop.ends_on is not None and pitstop.ends_on < today):
        state = State.SKIPPED
    else:
        state = State.NOT_YET
    stop = Stop(pitstop=pitstop, state=state, session=session)
    if state != State.HELD:
        return stop
    for theme in themes:
        compass = cell.compass.get(theme.pk)
        answers = compass.answers if compass else 0
        stop.themes.append(
            ThemeReading(
                theme=theme,
                # Not split by role, yet a mean of one or two answers is as good as theirs.
                mean=guarded(compass.mean, answers) if compass else None,
                answers=answers,
                change=cell.change_for(theme),
            )
        )
    stop.raters = cell.raters
    stop.ladder = dict(cell.ladder)
    stop.ladder_place = cell.ladder_place
    stop.ladder_change = cell.ladder_change
    if isinstance(stop.ladder_place, str):
        stop.ladder_chart = charts.ladder_bars(
            f"ladder-{pitstop.number}",
            gettext("The ladder at pitstop %(number)d") % {"number": pitstop.number},
            [str(CompassRating.Rung(rung).label) for rung in RUNGS],
            [stop.ladder.get(rung, 0) for rung in RUNGS],
        )
    return stop


def _lead(member: Member | None, *, full: bool) -> str:
    """Who leads: by name and role for the coalition and its team, by role for coordinators."""
    if member is None:
        return gettext("nobody yet")
    role = str(member.get_role_display())
    if not full:
        return role
    if member.erased_at is not None or not member.is_active:
        # Someone who left still led it: say so, rather than show a name nobody answers to.
        return gettext("%(name)s (%(role)s, no longer taking part)") % {
            "name": member.display_name,
            "role": role,
        }
    return f"{member.display_name} ({role})"


def _agreements(
    coalition: Coalition, *, full: bool
) -> dict[int, tuple[list[AgreementLine], Counter]]:
    """The agreements made at each pitstop, by the pitstop's id, in one query."""
    grouped: dict[int, tuple[list[AgreementLine], Counter]] = {}
    agreements = (
        Agreement.objects.filter(coalition=coalition, origin_session__isnull=False)
        .select_related("lead", "origin_session")
        .order_by("due_on", "pk")
    )
    for agreement in agreements:
        lines, counts = grouped.setdefault(agreement.origin_session.pitstop_id, ([], Counter()))
        counts[agreement.status] += 1
        lines.append(
            AgreementLine(
                what=agreement.what,
                lead=_lead(agreement.lead, full=full),
                status=agreement.status,
                status_label=str(agreement.get_status_display()),
                outcome=agreement.outcome if full else "",
            )
        )
    return grouped


def _chosen_stories(
    coalition: Coalition, sessions: Iterable[Session], *, full: bool
) -> dict[int, list[ChosenStory]]:
    """The story each session's group chose, with the why, by pitstop, in one query.

    The coalition and its team read the words its members may read (shared with the coalition
    and released); coordinators only a story the report may quote, once it is published.
    """
    chosen = {session.chosen_story_id: session for session in sessions if session.chosen_story_id}
    if not chosen:
        return {}
    if full:
        shared = [Reflection.Visibility.COALITION, Reflection.Visibility.QUOTABLE]
        readable = Reflection.objects.released().filter(visibility__in=shared)
    else:
        readable = Reflection.objects.for_report().filter(
            session__pitstop__report_published_at__isnull=False
        )
    by_pitstop: dict[int, list[ChosenStory]] = {}
    rows = readable.filter(pk__in=list(chosen)).values_list("pk", "text", "visibility")
    for pk, text, visibility in rows:
        session = chosen[pk]
        by_pitstop.setdefault(session.pitstop_id, []).append(
            ChosenStory(
                coalition=coalition.name,
                text=text,
                why=session.chosen_story_why,
                quotable=visibility == Reflection.Visibility.QUOTABLE,
            )
        )
    return by_pitstop


def _small_things(coalition: Coalition, stops: list[Stop], *, full: bool) -> SmallThings:
    """Put each small thing with the pitstop it led up to; returns those after the last one.

    The stretches are the rounds' own (as for reflections written in the coalition's space,
    `Pitstop.space_window`): up to a round's end, or its start while it has no end date.
    """
    things = SmallThing.objects.filter(coalition=coalition).order_by("created_at", "pk")
    things = things.select_related("lead") if full else things.only("kind", "created_at")
    bounds = [stop.pitstop.ends_on or stop.pitstop.starts_on for stop in stops]
    since_last = SmallThings()
    for thing in things:
        day = timezone.localdate(thing.created_at)
        index = next((i for i, bound in enumerate(bounds) if day <= bound), None)
        target = since_last if index is None else stops[index].small_things
        target.counts[thing.kind] = target.counts.get(thing.kind, 0) + 1
        if full and len(target.shown) < SMALL_THINGS_SHOWN:
            target.shown.append(thing)
    return since_last


def _compass_chart(
    coalition: Coalition, stops: list[Stop], themes: Sequence[Theme]
) -> charts.Chart:
    """The compass per theme across the pitstops: one small line chart per theme, and its table."""
    held = {stop.pitstop.pk: stop for stop in stops if stop.is_held}
    series = []
    for index, theme in enumerate(themes):
        values: list[Figure] = []
        for stop in stops:
            reading = held[stop.pitstop.pk].themes[index] if stop.pitstop.pk in held else None
            values.append(reading.mean if reading else None)
        series.append((theme.name, values))
    return charts.small_multiples(
        "journey-compass",
        gettext("Compass per pitstop, %(coalition)s") % {"coalition": coalition.name},
        [str(stop.pitstop.number) for stop in stops],
        series,
    )
