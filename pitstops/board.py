"""What a live session looks like right now: one read model for the board, the facilitator and
the participants, built with a fixed number of queries however many cards there are."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from coalitions.models import Member

from .models import Agreement, CardGroup, CompassRating, CompassScore, Reflection, Session

# Aggregates by role are shown only when each side has at least this many people.
MIN_GROUP_SIZE = 3
MARKS_SHOWN_IN = {
    Session.Phase.RESONANCE,
    Session.Phase.AGREEMENTS,
    Session.Phase.COMPASS,
    Session.Phase.CLOSE,
}


@dataclass
class ThemeColumn:
    theme: Any
    cards: list[Reflection] = field(default_factory=list)


@dataclass
class Board:
    session: Session
    participant_count: int
    written_count: int
    hidden_count: int
    columns: list[ThemeColumn]
    groups: list[tuple[CardGroup | None, list[Reflection]]]
    check_ins: list[Reflection]
    by_group: bool
    themes: list[Any] = field(default_factory=list)

    # Only some phases show these; a poll in any other phase does not pay for them.
    @cached_property
    def agreements(self) -> list[Agreement]:
        return list(Agreement.objects.filter(origin_session=self.session).select_related("lead"))

    @cached_property
    def compass(self) -> dict[str, Any]:
        return compass_summary(self.session, self.themes)


def card_queryset(session: Session, *, with_marks: bool | None = None) -> QuerySet[Reflection]:
    """The session's cards with what the board shows; marks are counted once they matter."""
    if with_marks is None:
        with_marks = session.phase in MARKS_SHOWN_IN or session.is_closed
    cards = (
        Reflection.objects.filter(session=session)
        .select_related("author", "participant__member")
        .order_by("created_at", "pk")
    )
    return cards.annotate(mark_count=Count("marks")) if with_marks else cards


def build_board(session: Session, cards: QuerySet[Reflection]) -> Board:
    """Sort the given cards (already filtered for the viewer) into themes and groups."""
    themes = list(session.themes.all())
    groups = list(session.groups.all())
    counts = Reflection.objects.filter(session=session).aggregate(
        written=Count("pk"),
        hidden=Count("pk", filter=Q(revealed_at__isnull=True)),
    )
    columns = {theme.pk: ThemeColumn(theme) for theme in themes}
    by_group: dict[int | None, list[Reflection]] = defaultdict(list)
    check_ins = []
    for card in cards:
        if card.theme_id is None:
            check_ins.append(card)
            continue
        if card.theme_id in columns:
            columns[card.theme_id].cards.append(card)
        by_group[card.group_id].append(card)
    return Board(
        session=session,
        participant_count=session.participants.count(),
        written_count=counts["written"],
        hidden_count=counts["hidden"],
        columns=list(columns.values()),
        groups=[(group, by_group.get(group.pk, [])) for group in groups]
        + [(None, by_group.get(None, []))],
        check_ins=check_ins,
        themes=themes,
        # Once the facilitator made groups, sharing and everything after shows them.
        by_group=bool(groups)
        and session.phase not in (Session.Phase.CHECK_IN, Session.Phase.REFLECT),
    )


def compass_summary(session: Session, themes: list[Any]) -> dict[str, Any]:
    """Averages per theme; the resident/professional split only where each side has 3 raters."""
    raters = dict(
        CompassRating.objects.filter(session=session)
        .values_list("rater_role")
        .annotate(count=Count("pk"))
        .values_list("rater_role", "count")
    )
    show_split = all(
        raters.get(role, 0) >= MIN_GROUP_SIZE
        for role in (Member.Role.RESIDENT, Member.Role.PROFESSIONAL)
    )
    rows = (
        CompassScore.objects.filter(rating__session=session)
        .values("theme__pk")
        .annotate(
            average=Avg("score"),
            residents=Avg("score", filter=Q(rating__rater_role=Member.Role.RESIDENT)),
            professionals=Avg("score", filter=Q(rating__rater_role=Member.Role.PROFESSIONAL)),
        )
    )
    averages = {row["theme__pk"]: row for row in rows}
    ladder = dict(
        CompassRating.objects.filter(session=session)
        .values_list("rung")
        .annotate(count=Count("pk"))
        .values_list("rung", "count")
    )
    return {
        "raters": sum(raters.values()),
        "show_split": show_split,
        "themes": [(theme, averages.get(theme.pk)) for theme in themes],
        "ladder": [(label, ladder.get(value, 0)) for value, label in CompassRating.Rung.choices],
    }
