"""What a report shows, gathered once for the page, the PDF and the Word file alike.

Privacy lives here, so all three show the same: quotes are only words whose author allowed
quoting and that were not held back (`Reflection.objects.for_report()`), never with a name; the
coalition's name may stand with a quote (and with a chosen story of change, with the group's
why). Agreements show who leads by role, not by name. The
compass shows averages per theme, hidden below three answers.

Two registers of one report: the full one, and a short one for members in plain Dutch (B1)
with the same red threads, quotes, agreements and compass, but the facilitator's own plain
introduction instead of the full one and without the team's longer analysis of each thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Prefetch
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from coalitions.models import Member

from ..charts import Bar, bar_chart
from ..models import Agreement, CompassScore, Pitstop, RedThread, Reflection
from .stories import StoryRound, round_stories

MIN_ANSWERS = 3  # aggregates of fewer people are hidden (domain.md)
COMPASS_MAX = 5


@dataclass
class Quote:
    text: str
    coalition: str


@dataclass
class ThreadPart:
    number: int
    title: str
    text: str
    is_published: bool
    status: str
    themes: list[str]
    coalitions: list[str]
    quotes: list[Quote]
    continues: str = ""  # "Continues “…” from pitstop N.", or empty
    theme_keys: list[str] = field(default_factory=list)  # beside `themes`: their pictures

    @property
    def named_themes(self) -> list[tuple[str, str]]:
        """(name, key) of each theme, for a page that shows the theme's picture by its name."""
        return list(zip(self.themes, self.theme_keys, strict=False))


@dataclass
class AgreementLine:
    what: str
    lead_role: str
    due_on: Any
    status: str


@dataclass
class CoalitionFollowUp:
    coalition: str
    agreements: list[AgreementLine]


@dataclass
class CompassLine:
    theme: str
    average: float | None
    answers: int
    key: str = ""  # the theme's key, for its picture

    @property
    def average_text(self) -> str:
        if self.average is None:
            return _("too few answers")
        return number_format(self.average, decimal_pos=1)


@dataclass
class Report:
    pitstop: Pitstop
    introduction: str
    threads: list[ThreadPart]
    follow_up: list[CoalitionFollowUp]
    compass: list[CompassLine]
    chart: str = ""
    with_drafts: bool = False
    notes: list[str] = field(default_factory=list)
    short: bool = False  # the short version for members, in plain Dutch
    # The round "Stories of change": the chosen stories that may be quoted, with the why.
    stories: StoryRound = field(default_factory=StoryRound)

    @property
    def is_empty(self) -> bool:
        return not self.threads and not self.introduction.strip() and not self.stories.stories


def continues_line(thread: RedThread, *, published_only: bool) -> str:
    """One line naming the earlier red thread this one continues, or "" if there is none.

    Only its title and round: a red thread's title is the team's words, not a member's, and the
    earlier round's evidence stays there. Readers outside the team only hear of a published one.
    """
    earlier = thread.continues
    if earlier is None or (published_only and earlier.status != RedThread.Status.PUBLISHED):
        return ""
    return _("Continues “%(title)s” from pitstop %(number)d.") % {
        "title": earlier.title,
        "number": earlier.pitstop.number,
    }


def build_report(pitstop: Pitstop, *, with_drafts: bool, short: bool = False) -> Report:
    threads = pitstop.red_threads.select_related("continues__pitstop").order_by("position", "pk")
    if not with_drafts:
        threads = threads.published()
    threads = threads.prefetch_related(
        "themes",
        Prefetch(
            "evidence",
            queryset=Reflection.objects.for_report()
            .select_related("coalition")
            .order_by("coalition__name", "created_at"),
            to_attr="quotes",
        ),
        Prefetch(
            "evidence",
            queryset=Reflection.objects.select_related("coalition").only(
                "pk", "coalition_id", "coalition__name"
            ),
            to_attr="all_evidence",
        ),
    )
    parts = [
        ThreadPart(
            number=number,
            title=thread.title,
            text=thread.text,
            is_published=thread.status == RedThread.Status.PUBLISHED,
            status=thread.get_status_display(),
            themes=[theme.name for theme in thread.themes.all()],
            theme_keys=[theme.key for theme in thread.themes.all()],
            coalitions=sorted({r.coalition.name for r in thread.all_evidence}),
            quotes=[Quote(text=r.text, coalition=r.coalition.name) for r in thread.quotes],
            continues=continues_line(thread, published_only=not with_drafts),
        )
        for number, thread in enumerate(threads, start=1)
    ]
    compass = compass_lines(pitstop)
    return Report(
        pitstop=pitstop,
        introduction=pitstop.plain_introduction if short else pitstop.introduction,
        threads=parts,
        follow_up=follow_up(pitstop),
        compass=compass,
        chart=compass_chart(compass) if compass else "",
        with_drafts=with_drafts,
        short=short,
        stories=round_stories(pitstop),
    )


def follow_up(pitstop: Pitstop) -> list[CoalitionFollowUp]:
    agreements = (
        Agreement.objects.filter(origin_session__pitstop=pitstop)
        .select_related("coalition", "lead")
        .order_by("coalition__name", "due_on", "pk")
    )
    grouped: dict[str, list[AgreementLine]] = {}
    for agreement in agreements:
        role = agreement.lead_role
        grouped.setdefault(agreement.coalition.name, []).append(
            AgreementLine(
                what=agreement.what,
                lead_role=str(Member.Role(role).label) if role else "",
                due_on=agreement.due_on,
                status=agreement.get_status_display(),
            )
        )
    return [CoalitionFollowUp(coalition=name, agreements=lines) for name, lines in grouped.items()]


def compass_lines(pitstop: Pitstop) -> list[CompassLine]:
    scores = {
        row["theme"]: row
        for row in CompassScore.objects.filter(rating__session__pitstop=pitstop)
        .values("theme")
        .annotate(average=Avg("score"), answers=Count("pk"))
        .order_by()
    }
    if not scores:
        return []
    lines = []
    for theme in pitstop.expedition.themes.all():
        row = scores.get(theme.pk)
        answers = row["answers"] if row else 0
        average = row["average"] if row and answers >= MIN_ANSWERS else None
        lines.append(CompassLine(theme=theme.name, average=average, answers=answers, key=theme.key))
    return lines


def compass_chart(lines: list[CompassLine]) -> str:
    return bar_chart(
        [Bar(label=line.theme, value=line.average, value_text=line.average_text) for line in lines],
        maximum=COMPASS_MAX,
        title=_("The compass per theme: average score from 1 to 5"),
    )
