"""What a session leads to: agreements, the compass, and red threads across sessions."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition, Member, Theme

from .reflections import Reflection
from .sessions import Pitstop, Session


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def pending(self) -> AgreementQuerySet:
        return self.filter(status__in=[Agreement.Status.OPEN, Agreement.Status.UNDER_WAY])

    def overdue(self, today: datetime.date | None = None) -> AgreementQuerySet:
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class Agreement(models.Model):
    """A follow-up a coalition agreed on: what, who leads, by when, and what came of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    coalition = models.ForeignKey(
        Coalition, verbose_name=_("coalition"), on_delete=models.CASCADE, related_name="agreements"
    )
    origin_session = models.ForeignKey(
        Session,
        verbose_name=_("agreed in session"),
        on_delete=models.SET_NULL,
        related_name="agreements",
        null=True,
        blank=True,
    )
    what = models.CharField(_("what"), max_length=300)
    lead = models.ForeignKey(
        Member,
        verbose_name=_("who leads"),
        on_delete=models.SET_NULL,
        related_name="led_agreements",
        null=True,
        blank=True,
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.OPEN)
    outcome = models.TextField(_("what came of it"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["coalition", "status", "due_on"], name="agreement_coalition_due"),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def lead_role(self) -> str:
        return self.lead.role if self.lead else ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in (self.Status.OPEN, self.Status.UNDER_WAY)
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class CompassRating(models.Model):
    """One member's compass in one session: a score per theme and a rung on the ladder."""

    class Rung(models.TextChoices):
        ON_BEHALF_OF = "on_behalf_of", _("on behalf of residents")
        FOR = "for", _("for residents")
        WITH = "with", _("with residents")
        BY = "by", _("by residents")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="compass_ratings"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="compass_ratings",
        null=True,
        blank=True,
    )
    participant = models.ForeignKey(
        "Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="compass_ratings",
        null=True,
        blank=True,
    )
    # Kept for the resident/professional split; empty for guests.
    rater_role = models.CharField(_("rater's role"), max_length=20, choices=Member.Role, blank=True)
    rung = models.CharField(_("place on the ladder"), max_length=20, choices=Rung)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("compass rating")
        verbose_name_plural = _("compass ratings")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(member__isnull=False),
                name="compass_one_per_member",
            ),
            models.UniqueConstraint(
                fields=["session", "participant"],
                condition=Q(participant__isnull=False),
                name="compass_one_per_participant",
            ),
        ]

    def __str__(self) -> str:
        return str(self.session)

    def save(self, *args, **kwargs) -> None:
        if self.member_id and not self.rater_role:
            self.rater_role = self.member.role
        super().save(*args, **kwargs)


class CompassScore(models.Model):
    """How a member thinks the coalition does on one theme, from 1 to 5."""

    rating = models.ForeignKey(
        CompassRating,
        verbose_name=_("compass rating"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="compass_scores"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("compass score")
        verbose_name_plural = _("compass scores")
        ordering = ["rating_id", "theme_id"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "theme"], name="compass_score_one_per_theme"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="compass_score_between_1_and_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme}: {self.score}"


class RedThreadQuerySet(models.QuerySet["RedThread"]):
    def published(self) -> RedThreadQuerySet:
        return self.filter(status=RedThread.Status.PUBLISHED)


class StaleVersion(Exception):
    """Someone else saved this red thread since it was opened: the save is refused."""

    def __init__(self, current: RedThread) -> None:
        super().__init__(f"red thread {current.pk} is at version {current.version}")
        self.current = current


TITLE_LENGTH = 200
TEXT_LENGTH = 10_000


class RedThread(models.Model):
    """What recurred across the sessions of a pitstop, with reflections as evidence."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in review")
        PUBLISHED = "published", _("published")

    pitstop = models.ForeignKey(
        Pitstop, verbose_name=_("pitstop"), on_delete=models.CASCADE, related_name="red_threads"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=TITLE_LENGTH)
    text = models.TextField(
        _("text"),
        max_length=TEXT_LENGTH,
        help_text=_("Markdown: *italic*, **bold**, lists, links."),
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="red_threads", blank=True
    )
    evidence = models.ManyToManyField(
        Reflection,
        verbose_name=_("reflections as evidence"),
        related_name="red_threads",
        blank=True,
        help_text=_("Only words that may be quoted are shown in the report."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # A red thread of an earlier pitstop that is still here in this round: the report can then
    # say what changed since. Set by the team, or by accepting a "still here" suggestion.
    continues = models.ForeignKey(
        "self",
        verbose_name=_("continues the red thread"),
        on_delete=models.SET_NULL,
        related_name="continued_by",
        null=True,
        blank=True,
    )
    # Optimistic locking: every save through the app checks and bumps it (see synthesis.py).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RedThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("red thread")
        verbose_name_plural = _("red threads")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["pitstop", "status"], name="red_thread_pitstop_status")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if not self._state.adding:
            # A save outside the app's editor (the admin) still makes open editors' copies stale.
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def coalitions(self) -> list[Coalition]:
        """The coalitions its evidence comes from: they follow from the evidence, not typed."""
        found = {evidence.coalition_id: evidence.coalition for evidence in self.evidence.all()}
        return sorted(found.values(), key=lambda coalition: coalition.name)
