"""The coalition's own space between pitstops.

The plan of small things, the tamtam, the reminders about agreements and requests for help.
Agreements and reflections themselves live in the pitstops app; what this module adds sits next
to them, so the pitstops schema stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from coalitions.models import Member

SMALL_THING_MAX_LENGTH = 200
TAMTAM_MAX_LENGTH = 500
HELP_NOTE_MAX_LENGTH = 300


class SmallThingQuerySet(models.QuerySet["SmallThing"]):
    def for_list(self) -> SmallThingQuerySet:
        """What a list shows per item: the lead and who joined, in two extra queries at most."""
        # The relation names the member model, so this module need not import the package.
        member = self.model._meta.get_field("joiners").related_model
        return self.select_related("lead").prefetch_related(
            models.Prefetch("joiners", queryset=member.objects.only("pk", "name", "role"))
        )

    def resident_share(self) -> dict[str, int | str]:
        """How many items residents lead, of all items with a lead, in one query."""
        counts = self.aggregate(
            led=Count("pk", filter=Q(lead__isnull=False)),
            by_residents=Count("pk", filter=Q(lead__role="resident")),
        )
        led = counts["led"]
        counts["percentage"] = round(100 * counts["by_residents"] / led) if led else 0
        counts["percent"] = f"{counts['percentage']}%"
        return counts


class SmallThing(models.Model):
    """One line in the plan of small things: a small action, success or failure.

    Only small actions are ideas others can join ("count me in"); a success or a failure is told,
    not joined.
    """

    class Kind(models.TextChoices):
        ACTION = "action", _("small action")
        SUCCESS = "success", _("small success")
        FAILURE = "failure", _("small failure")

    coalition = models.ForeignKey(
        "coalitions.Coalition",
        verbose_name=_("coalition"),
        on_delete=models.CASCADE,
        related_name="small_things",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.ACTION)
    text = models.CharField(_("what"), max_length=SMALL_THING_MAX_LENGTH)
    lead = models.ForeignKey(
        "coalitions.Member",
        verbose_name=_("who leads"),
        on_delete=models.SET_NULL,
        related_name="led_small_things",
        null=True,
        blank=True,
    )
    added_by = models.ForeignKey(
        "coalitions.Member",
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        related_name="added_small_things",
        null=True,
        blank=True,
    )
    joiners = models.ManyToManyField(
        "coalitions.Member",
        verbose_name=_("who joins"),
        related_name="joined_small_things",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SmallThingQuerySet.as_manager()

    class Meta:
        verbose_name = _("small thing")
        verbose_name_plural = _("small things")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["coalition", "-created_at"], name="small_thing_coalition_recent"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_joinable(self) -> bool:
        return self.kind == self.Kind.ACTION

    def can_be_joined_by(self, member: Member | None) -> bool:
        return (
            self.is_joinable
            and member is not None
            and member.pk != self.lead_id
            and member.coalition_id == self.coalition_id
        )

    def has_joined(self, member: Member | None) -> bool:
        """Uses the prefetched joiners, so a list asks the database nothing more."""
        return member is not None and any(joiner.pk == member.pk for joiner in self.joiners.all())


class TamtamPostQuerySet(models.QuerySet["TamtamPost"]):
    def for_list(self) -> TamtamPostQuerySet:
        member = self.model._meta.get_field("mentions").related_model
        return self.select_related("author").prefetch_related(
            models.Prefetch("mentions", queryset=member.objects.only("pk", "name"))
        )


class TamtamPost(models.Model):
    """A short update among members: an "oh yes" moment, a how-are-you, news from the street."""

    coalition = models.ForeignKey(
        "coalitions.Coalition",
        verbose_name=_("coalition"),
        on_delete=models.CASCADE,
        related_name="tamtam_posts",
    )
    author = models.ForeignKey(
        "coalitions.Member",
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        related_name="tamtam_posts",
        null=True,
        blank=True,
    )
    text = models.TextField(_("message"), max_length=TAMTAM_MAX_LENGTH)
    mentions = models.ManyToManyField(
        "coalitions.Member",
        verbose_name=_("mentioned members"),
        related_name="mentioned_in",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TamtamPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("tamtam message")
        verbose_name_plural = _("tamtam messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["coalition", "-created_at"], name="tamtam_coalition_recent"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


def find_mentions(text: str, members: Iterable[Member]) -> list[Member]:
    """The members a text mentions as "@Full Name", or "@First" when no one else shares it.

    Names have spaces, so no "@word" pattern can find them; matching the coalition's own member
    list (ten people or so) is exact and cheap. Case does not matter.
    """
    members = [member for member in members if member.name.strip()]
    first_names: dict[str, list[Member]] = {}
    for member in members:
        first_names.setdefault(member.name.split()[0].casefold(), []).append(member)
    found: dict[int, Member] = {}
    folded = text.casefold()
    for member in members:
        candidates = [member.name]
        first = member.name.split()[0]
        if len(first_names[first.casefold()]) == 1:
            candidates.append(first)
        for name in candidates:
            if re.search(rf"@{re.escape(name.casefold())}(?!\w)", folded):
                found[member.pk] = member
                break
    return list(found.values())


class AgreementReminder(models.Model):
    """One reminder e-mail to an agreement's lead, and the lead's one-tap answer.

    One row per agreement, state and due date makes `send_reminders` idempotent: the unique
    constraint means a second run finds the row and sends nothing. The due date is part of the
    key on purpose: when the coalition moves the date, the lead hears about the new one.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due within a week")
        OVERDUE = "overdue", _("overdue")

    class Answer(models.TextChoices):
        DONE = "done", _("done")
        NOT_YET = "not_yet", _("not yet")
        HELP = "help", _("I need help")

    agreement = models.ForeignKey(
        "pitstops.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    due_on = models.DateField(_("due date at the time"))
    lead = models.ForeignKey(
        "coalitions.Member",
        verbose_name=_("sent to"),
        on_delete=models.SET_NULL,
        related_name="agreement_reminders",
        null=True,
        blank=True,
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement reminder")
        verbose_name_plural = _("agreement reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "due_on"], name="reminder_once_per_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.get_kind_display()}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class HelpRequestQuerySet(models.QuerySet["HelpRequest"]):
    def open(self) -> HelpRequestQuerySet:
        return self.filter(resolved_at__isnull=True)


class HelpRequest(models.Model):
    """The lead of an agreement asks the coalition and its facilitators for a hand."""

    agreement = models.ForeignKey(
        "pitstops.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="help_requests",
    )
    asked_by = models.ForeignKey(
        "coalitions.Member",
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        related_name="help_requests",
        null=True,
        blank=True,
    )
    note = models.CharField(_("what would help"), max_length=HELP_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for help")
        verbose_name_plural = _("requests for help")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(resolved_at__isnull=True),
                name="help_one_open_request_per_agreement",
            ),
        ]

    def __str__(self) -> str:
        return str(self.agreement)
