"""The round "Stories of change" across a pitstop: the story each group chose, and why.

Most significant change: in a session with the round, each person tells what changed for them
since the last pitstop, the group marks the story that matters most and the facilitator notes
why (pitstops.live.choose_story). The report quotes a chosen story only where its teller allowed
it and the facilitator did not hold it back (`Reflection.objects.for_report()`), never with a
name; the coalition's name and the group's why may stand with it. The workspace shows the team
every chosen story it may read, with whether the report may quote it.

Three queries for a pitstop, however many sessions and stories it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Pitstop, Reflection, Session


@dataclass
class ChosenStory:
    coalition: str
    text: str
    why: str
    quotable: bool  # the report may quote it


@dataclass
class StoryRound:
    """What a pitstop's round "Stories of change" gave: how many sessions held it, the chosen
    stories a reader may read, and the coalitions that held it without a story to show."""

    held: int = 0
    stories: list[ChosenStory] = field(default_factory=list)
    without_story: list[str] = field(default_factory=list)


def round_stories(pitstop: Pitstop, *, user: Any = None) -> StoryRound:
    """The chosen stories of a pitstop: for the report (no `user`: quotable stories only), or
    every one this user may read (`Reflection.objects.visible_to`), marked quotable or not."""
    sessions = [
        session
        for session in Session.objects.filter(pitstop=pitstop)
        .select_related("coalition")
        .only("phases", "chosen_story_id", "chosen_story_why", "coalition__name")
        .order_by("coalition__name", "pk")
        if session.has_change_round or session.chosen_story_id
    ]
    chosen = [session.chosen_story_id for session in sessions if session.chosen_story_id]
    quotable = set(
        Reflection.objects.for_report().filter(pk__in=chosen).values_list("pk", flat=True)
    )
    if user is None:
        shown = Reflection.objects.filter(pk__in=quotable)
    else:
        shown = Reflection.objects.visible_to(user).filter(pk__in=chosen)
    texts = dict(shown.values_list("pk", "text"))
    result = StoryRound(held=len(sessions))
    for session in sessions:
        text = texts.get(session.chosen_story_id)
        if text is None:
            result.without_story.append(session.coalition.name)
            continue
        result.stories.append(
            ChosenStory(
                coalition=session.coalition.name,
                text=text,
                why=session.chosen_story_why,
                quotable=session.chosen_story_id in quotable,
            )
        )
    return result
