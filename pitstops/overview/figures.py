"""Every figure per coalition and pitstop, in a fixed number of grouped queries.

Counts and means grouped on indexed foreign keys, for the coalitions on one page (so the work
grows with the page, not with the data), plus the summary rows in `ReflectionTally` for the
reflection counts. Each figure split by role is `guarded` here, before anything shows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from coalitions.models import Coalition, Member, SmallThing, Theme

from ..models import (
    Agreement,
    CompassRating,
    CompassScore,
    Participant,
    Pitstop,
    ReflectionTally,
    Session,
)
from ..models.tallies import NONE
from .change import Change, compass_change, ladder_change, ladder_place
from .guard import Figure, Hidden, Mean, guarded, mean, share

RESIDENT = Member.Role.RESIDENT.value
PROFESSIONAL = Member.Role.PROFESSIONAL.value
ROLES = (RESIDENT, PROFESSIONAL)
RUNGS = [rung.value for rung in CompassRating.Rung]
STATUSES = [status.value for status in Agreement.Status]


@dataclass
class ThemeCompass:
    mean: Figure = None
    resident_mean: Figure = None
    professional_mean: Figure = None
    gap: Figure = None
    answers: int = 0  # how many scored the theme: a mean of fewer than 3 is never compared


@dataclass
class AgreementFigures:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    overdue: int = 0
    led: int = 0
    led_by_residents: int = 0
    resident_share: Figure = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class PitstopFigures:
    """One coalition at one pitstop."""

    pitstop: Pitstop
    held: bool = False
    residents_present: Figure = 0
    professionals_present: Figure = 0
    guests_present: int = 0
    reflections: int = 0
    reflections_by_theme: dict[int, int] = field(default_factory=dict)
    resident_share: Figure = None
    compass: dict[int, ThemeCompass] = field(default_factory=dict)
    compass_mean: Figure = None
    raters: int = 0
    ladder: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RUNGS, 0))
    ladder_shift: dict[str, int] | None = None
    agreements: AgreementFigures = field(default_factory=AgreementFigures)
    # Since the previous pitstop the coalition held (`change`): per theme, and on the ladder.
    previous_held: Pitstop | None = None
    changes: dict[int, Change] = field(default_factory=dict)
    ladder_place: str | Hidden | None = None
    ladder_change: Change | None = None

    def change_for(self, theme: Theme) -> Change:
        """The theme's change since the previous held pitstop; "not scored" if it has none."""
        return self.changes.get(theme.pk) or compass_change((None, 0), None, self.previous_held)

    @property
    def ladder_rows(self) -> list[tuple[str, int, int | None]]:
        """Per rung, in ladder order: how many chose it, and the shift since last time."""
        return [
            (rung, self.ladder[rung], self.ladder_shift[rung] if self.ladder_shift else None)
            for rung in RUNGS
        ]


@dataclass
class ThemeRow:
    theme: Theme
    reflections: int = 0
    trend: list[Figure] = field(default_factory=list)  # compass mean per pitstop, in order
    latest: Figure = None
    resident_mean: Figure = None
    professional_mean: Figure = None
    gap: Figure = None
    change: Change | None = None  # at the latest rated pitstop, since the one held before


@dataclass
class CoalitionFigures:
    coalition: Coalition
    pitstops: list[PitstopFigures]
    themes: list[ThemeRow] = field(default_factory=list)
    members: dict[str, int] = field(default_factory=dict)
    reflections: int = 0
    space_reflections: int = 0
    agreements: AgreementFigures = field(default_factory=AgreementFigures)
    small_things: int = 0
    small_things_with_residents: int = 0
    small_things_by_residents: Figure = None

    @property
    def latest(self) -> PitstopFigures | None:
        """The last pitstop at which the compass was filled in."""
        rated = [figures for figures in self.pitstops if figures.raters]
        return rated[-1] if rated else None


def _attendance(session_ids: list[int]) -> dict[tuple[int, str], int]:
    """Distinct members per session and role: on the attendance list, or joined live."""
    if not session_ids:
        return {}
    attendees = Session.attendees.through._meta.db_table
    participants = Participant._meta.db_table
    members = Member._meta.db_table
    marks = ", ".join(["%s"] * len(session_ids))
    sql = f"""
        SELECT present.session_id, m.role, COUNT(DISTINCT present.member_id)
        FROM (
            SELECT session_id, member_id FROM {attendees} WHERE session_id IN ({marks})
            UNION
            SELECT session_id, member_id FROM {participants}
            WHERE member_id IS NOT NULL AND session_id IN ({marks})
        ) present JOIN {members} m ON m.id = present.member_id
        GROUP BY present.session_id, m.role
    """  # noqa: S608  (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*session_ids, *session_ids])
        return {(session_id, role): n for session_id, role, n in cursor.fetchall()}


def _guests(session_ids: list[int]) -> dict[int, int]:
    rows = (
        Participant.objects.filter(session_id__in=session_ids, member__isnull=True)
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
    )
    return {row["session_id"]: row["n"] for row in rows}


def coalition_figures(
    coalitions: Sequence[Coalition],
    *,
    pitstops: Sequence[Pitstop],
    themes: Sequence[Theme],
) -> list[CoalitionFigures]:
    """Every figure of the overview for these coalitions, in a fixed number of grouped queries."""
    ids = [coalition.pk for coalition in coalitions]
    result = {
        coalition.pk: CoalitionFigures(
            coalition=coalition, pitstops=[PitstopFigures(pitstop=p) for p in pitstops]
        )
        for coalition in coalitions
    }
    if not ids:
        return []
    position = {pitstop.pk: index for index, pitstop in enumerate(pitstops)}

    def cell(coalition_id: int, pitstop_id: int | None) -> PitstopFigures | None:
        index = position.get(pitstop_id)
        return None if index is None else result[coalition_id].pitstops[index]

    today = timezone.localdate()
    sessions = {
        row["pk"]: row
        for row in Session.objects.filter(coalition_id__in=ids)
        .order_by()
        .values("pk", "coalition_id", "pitstop_id", "status", "held_on")
    }
    for row in sessions.values():
        figures = cell(row["coalition_id"], row["pitstop_id"])
        if figures is not None:
            figures.held = row["status"] == Session.Status.CLOSED or row["held_on"] <= today

    # Members per role: the groups behind each coalition-wide share.
    for row in (
        Member.objects.active()
        .filter(coalition_id__in=ids)
        .order_by()
        .values("coalition_id", "role")
        .annotate(n=Count("pk"))
    ):
        result[row["coalition_id"]].members[row["role"]] = row["n"]

    # Attendance, split by role.
    present = _attendance(list(sessions))
    guests = _guests(list(sessions))
    people: dict[int, dict[str, int]] = {}
    for session_id, row in sessions.items():
        figures = cell(row["coalition_id"], row["pitstop_id"])
        if figures is None:
            continue
        counts = {role: present.get((session_id, role), 0) for role in ROLES}
        people[session_id] = counts
        figures.residents_present = guarded(counts[RESIDENT], counts[RESIDENT])
        figures.professionals_present = guarded(counts[PROFESSIONAL], counts[PROFESSIONAL])
        figures.guests_present = guests.get(session_id, 0)
    people_at = {
        (row["coalition_id"], row["pitstop_id"]): people.get(pk, dict.fromkeys(ROLES, 0))
        for pk, row in sessions.items()
    }

    # Reflections: counts only, from the summary rows.
    by_role: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    theme_totals: dict[tuple[int, int], int] = defaultdict(int)
    for row in ReflectionTally.objects.filter(coalition_id__in=ids).values_list(
        "coalition_id", "pitstop_key", "theme_key", "author_role", "count"
    ):
        coalition_id, pitstop_key, theme_key, role, n = row
        coalition = result[coalition_id]
        coalition.reflections += n
        theme_totals[coalition_id, theme_key] += n
        if pitstop_key == NONE:
            coalition.space_reflections += n
        figures = cell(coalition_id, pitstop_key)
        if figures is not None:
            figures.reflections += n
            figures.reflections_by_theme[theme_key] = (
                figures.reflections_by_theme.get(theme_key, 0) + n
            )
            by_role[coalition_id, pitstop_key][role] += n
    for (coalition_id, pitstop_id), counts in by_role.items():
        group = people_at.get((coalition_id, pitstop_id), dict.fromkeys(ROLES, 0))
        figures = cell(coalition_id, pitstop_id)
        figures.resident_share = guarded(
            share(counts[RESIDENT], counts[RESIDENT] + counts[PROFESSIONAL]),
            group[RESIDENT],
            group[PROFESSIONAL],
        )

    # The ladder, and who filled in the compass (the groups behind the perception gap).
    raters: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        CompassRating.objects.filter(session_id__in=list(sessions))
        .order_by()
        .values("session_id", "rater_role", "rung")
        .annotate(n=Count("pk"))
    ):
        session = sessions[row["session_id"]]
        figures = cell(session["coalition_id"], session["pitstop_id"])
        if figures is None:
            continue
        figures.ladder[row["rung"]] = figures.ladder.get(row["rung"], 0) + row["n"]
        figures.raters += row["n"]
        raters[row["session_id"], row["rater_role"]] += row["n"]

    # The compass per theme: sums and counts per role, so means combine exactly.
    sums: dict[tuple[int, int], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for row in (
        CompassScore.objects.filter(rating__session_id__in=list(sessions))
        .order_by()
        .values("rating__session_id", "theme_id", "rating__rater_role")
        .annotate(total=Sum("score"), n=Count("pk"))
    ):
        pair = sums[row["rating__session_id"], row["theme_id"]][row["rating__rater_role"]]
        pair[0] += row["total"]
        pair[1] += row["n"]
    session_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (session_id, theme_id), per_role in sums.items():
        session = sessions[session_id]
        figures = cell(session["coalition_id"], session["pitstop_id"])
        if figures is None:
            continue
        total = sum(pair[0] for pair in per_role.values())
        count = sum(pair[1] for pair in per_role.values())
        session_totals[session_id][0] += total
        session_totals[session_id][1] += count
        residents = raters[session_id, RESIDENT]
        professionals = raters[session_id, PROFESSIONAL]
        resident_mean = mean(*per_role.get(RESIDENT, (0, 0)))
        professional_mean = mean(*per_role.get(PROFESSIONAL, (0, 0)))
        gap = (
            Mean(round(resident_mean - professional_mean, 1))
            if resident_mean is not None and professional_mean is not None
            else None
        )
        figures.compass[theme_id] = ThemeCompass(
            mean=mean(total, count),
            resident_mean=guarded(resident_mean, residents),
            professional_mean=guarded(professional_mean, professionals),
            gap=guarded(gap, residents, professionals),
            answers=count,
        )
    for session_id, (total, count) in session_totals.items():
        session = sessions[session_id]
        cell(session["coalition_id"], session["pitstop_id"]).compass_mean = mean(total, count)

    # Agreements, by the pitstop they were made at; the share led by residents per coalition.
    overdue = Q(status__in=[Agreement.Status.OPEN, Agreement.Status.UNDER_WAY], due_on__lt=today)
    for row in (
        Agreement.objects.filter(coalition_id__in=ids)
        .order_by()
        .values("coalition_id", "origin_session__pitstop_id", "status", "lead__role")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue))
    ):
        coalition = result[row["coalition_id"]]
        targets = [coalition.agreements]
        figures = cell(row["coalition_id"], row["origin_session__pitstop_id"])
        if figures is not None:
            targets.append(figures.agreements)
        for agreements in targets:
            agreements.counts[row["status"]] += row["n"]
            agreements.overdue += row["overdue"]
            if row["lead__role"]:
                agreements.led += row["n"]
                if row["lead__role"] == RESIDENT:
                    agreements.led_by_residents += row["n"]

    # Small things, and how many a resident leads or joins.
    resident_joins = SmallThing.joiners.through.objects.filter(
        smallthing_id=OuterRef("pk"), member__role=RESIDENT
    )
    for row in (
        SmallThing.objects.filter(coalition_id__in=ids)
        .order_by()
        .values("coalition_id")
        .annotate(
            n=Count("pk"),
            by_residents=Count("pk", filter=Q(lead__role=RESIDENT) | Q(Exists(resident_joins))),
        )
    ):
        coalition = result[row["coalition_id"]]
        coalition.small_things = row["n"]
        coalition.small_things_with_residents = row["by_residents"]

    # Shares over the coalition's members, the trend per theme and the ladder's shift.
    for coalition in result.values():
        residents = coalition.members.get(RESIDENT, 0)
        professionals = coalition.members.get(PROFESSIONAL, 0)
        agreements = coalition.agreements
        agreements.resident_share = guarded(
            share(agreements.led_by_residents, agreements.led), residents, professionals
        )
        for figures in coalition.pitstops:
            figures.agreements.resident_share = guarded(
                share(figures.agreements.led_by_residents, figures.agreements.led),
                residents,
                professionals,
            )
        coalition.small_things_by_residents = guarded(
            share(coalition.small_things_with_residents, coalition.small_things),
            residents,
            professionals,
        )
        previous = None
        for figures in coalition.pitstops:
            if figures.raters and previous is not None:
                figures.ladder_shift = {
                    rung: figures.ladder[rung] - previous.ladder[rung] for rung in RUNGS
                }
            if figures.raters:
                previous = figures
        _changes(coalition.pitstops, themes)
        latest = coalition.latest
        coalition.themes = [
            ThemeRow(
                theme=theme,
                reflections=theme_totals.get((coalition.coalition.pk, theme.pk), 0),
                trend=[
                    figures.compass[theme.pk].mean if theme.pk in figures.compass else None
                    for figures in coalition.pitstops
                ],
                **_latest_split(latest, theme),
                change=latest.change_for(theme) if latest else None,
            )
            for theme in themes
        ]
    return [result[pk] for pk in ids]


def _changes(cells: Sequence[PitstopFigures], themes: Sequence[Theme]) -> None:
    """Each held pitstop against the previous one the coalition held (`change`)."""
    previous: PitstopFigures | None = None
    for cell in cells:
        if not cell.held:
            continue
        since = previous.pitstop if previous else None
        cell.previous_held = since
        for theme in themes:
            now = cell.compass.get(theme.pk)
            then = previous.compass.get(theme.pk) if previous else None
            cell.changes[theme.pk] = compass_change(
                (now.mean, now.answers) if now else (None, 0),
                ((then.mean, then.answers) if then else (None, 0)) if previous else None,
                since,
            )
        cell.ladder_place = ladder_place(cell.ladder)
        cell.ladder_change = ladder_change(
            cell.ladder_place, previous.ladder_place if previous else None, since
        )
        previous = cell


def _latest_split(latest: PitstopFigures | None, theme: Theme) -> dict[str, Figure]:
    """A theme's compass at the coalition's latest rated pitstop, overall and per role."""
    compass = latest.compass.get(theme.pk) if latest else None
    if compass is None:
        return {}
    return {
        "latest": compass.mean,
        "resident_mean": compass.resident_mean,
        "professional_mean": compass.professional_mean,
        "gap": compass.gap,
    }
