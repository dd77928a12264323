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
# Once the facilitator made groups, sharing and everything after shows the cards by group.
UNGROUPED_PHASES = {Session.Phase.CHECK_IN, Session.Phase.REFLECT}
MARKS_SHOWN_IN = {
    Session.Phase.CHANGE,
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
class LiveState:
    """What the header and the small sections of a live screen show: counts, agreements,
    compass. A whole board and a delta both carry it."""

    session: Session
    participant_count: int
    written_count: int
    hidden_count: int
    themes: list[Any]
    by_group: bool

    # Only some phases show these; a poll in any other phase does not pay for them.
    @cached_property
    def agreements(self) -> list[Agreement]:
        return list(Agreement.objects.filter(origin_session=self.session).select_related("lead"))

    @cached_property
    def compass(self) -> dict[str, Any]:
        return compass_summary(self.session, self.themes)

    @cached_property
    def card_groups(self) -> list[CardGroup]:
        """The session's groups, which the run page offers with every card."""
        return list(self.session.groups.all())

    def list_id(self, card: Reflection) -> str | None:
        """The id of the list a card stands in on this screen; None when it has no place
        (a theme this session does not cover). The templates and session.js share these ids."""
        if card.phase == Session.Phase.CHANGE:
            return "cards-change"
        if card.theme_id is None:
            return "cards-check-in"
        if self.by_group:
            return f"cards-group-{card.group_id or 'none'}"
        if any(theme.pk == card.theme_id for theme in self.themes):
            return f"cards-theme-{card.theme_id}"
        return None


@dataclass
class Board(LiveState):
    """Every card the viewer may see, sorted into themes (or groups) for a whole fragment."""

    columns: list[ThemeColumn] = field(default_factory=list)
    groups: list[tuple[CardGroup | None, list[Reflection]]] = field(default_factory=list)
    check_ins: list[Reflection] = field(default_factory=list)
    # The round "Stories of change": the stories, and (once chosen) the group's story.
    stories: list[Reflection] = field(default_factory=list)

    @property
    def chosen_story(self) -> Reflection | None:
        """The story the group chose, when this screen may show it: among its stories."""
        chosen = self.session.chosen_story_id
        return next((story for story in self.stories if story.pk == chosen), None)


@dataclass
class BoardDelta(LiveState):
    """What changed on a screen since the version it shows: the cards to put in place (with
    the id of their list) and the ids of the cards to take away. Its size follows the changes,
    not the number of cards."""

    since: int = 0
    cards: list[tuple[Reflection, str]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


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


def _live_state(session: Session, *, by_group: bool) -> dict[str, Any]:
    """The counts in the header, and the layout, in a fixed number of queries."""
    themes = list(session.themes.all())
    counts = Reflection.objects.filter(session=session).aggregate(
        written=Count("pk"),
        hidden=Count("pk", filter=Q(revealed_at__isnull=True)),
    )
    return {
        "session": session,
        "participant_count": session.participants.count(),
        "written_count": counts["written"],
        "hidden_count": counts["hidden"],
        "themes": themes,
        "by_group": by_group,
    }


def build_board(session: Session, cards: QuerySet[Reflection]) -> Board:
    """Sort the given cards (already filtered for the viewer) into themes and groups."""
    groups = list(session.groups.all())
    board = Board(
        **_live_state(session, by_group=bool(groups) and session.phase not in UNGROUPED_PHASES)
    )
    board.card_groups = groups  # read already: the run page needs no query of its own
    columns = {theme.pk: ThemeColumn(theme) for theme in board.themes}
    by_group: dict[int | None, list[Reflection]] = defaultdict(list)
    for card in cards:
        if card.phase == Session.Phase.CHANGE:
            board.stories.append(card)
            continue
        if card.theme_id is None:
            board.check_ins.append(card)
            continue
        if card.theme_id in columns:
            columns[card.theme_id].cards.append(card)
        by_group[card.group_id].append(card)
    board.columns = list(columns.values())
    board.groups = [(group, by_group.get(group.pk, [])) for group in groups] + [
        (None, by_group.get(None, []))
    ]
    return board


def build_delta(
    session: Session, cards: QuerySet[Reflection], since: int, *, grouped: bool = True
) -> BoardDelta | None:
    """What changed since version `since` among the given cards (already filtered for the
    viewer, as for build_board); None when the screen needs its whole fragment instead.

    A card the viewer may no longer see (held back, made facilitators-only, withdrawn, moved
    out of the session's themes) is only named by its id among `removed`: a delta never carries
    what the viewer may not read. `grouped` is False for a screen that always shows themes
    (the run page). The number of queries is fixed, and the rows read are the changed ones.
    """
    if not session.delta_possible(since):
        return None
    by_group = grouped and session.phase not in UNGROUPED_PHASES and session.groups.exists()
    delta = BoardDelta(**_live_state(session, by_group=by_group), since=since)
    withdrawn = session.withdrawn_cards.filter(version__gt=since).order_by()
    changed = Reflection.objects.filter(session=session, changed_at_version__gt=since).order_by()
    # Every card that changed or went, to start with; those the viewer may see are put back.
    removed = set(withdrawn.values_list("card_pk", flat=True))
    removed.update(changed.values_list("pk", flat=True))
    for card in cards.filter(changed_at_version__gt=since):
        if (list_id := delta.list_id(card)) is not None:
            delta.cards.append((card, list_id))
            removed.discard(card.pk)
    delta.removed = sorted(removed)
    return delta


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
