"""A round of reflection and what it yields: sessions, reflections, agreements, red threads."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition, Expedition, Member, Theme


class Pitstop(models.Model):
    """A round of reflection within an expedition: one session per coalition, then a report."""

    expedition = models.ForeignKey(
        Expedition, verbose_name=_("expedition"), on_delete=models.CASCADE, related_name="pitstops"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    introduction = models.TextField(
        _("introduction to the report"),
        blank=True,
        help_text=_("Opens the report of this round, above the red threads."),
    )
    report_published_at = models.DateTimeField(_("report published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pitstop")
        verbose_name_plural = _("pitstops")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["expedition", "number"], name="pitstop_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="pitstop_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "pitstops:report", kwargs={"expedition": self.expedition.slug, "number": self.number}
        )

    @property
    def is_report_published(self) -> bool:
        return self.report_published_at is not None


class Session(models.Model):
    """One coalition's meeting within a pitstop."""

    class Phase(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        REFLECT = "reflect", _("Reflect per theme")
        SHARE = "share", _("Share and group")
        RESONANCE = "resonance", _("Resonance")
        AGREEMENTS = "agreements", _("Agreements")
        COMPASS = "compass", _("Compass")
        CLOSE = "close", _("Close")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    pitstop = models.ForeignKey(
        Pitstop, verbose_name=_("pitstop"), on_delete=models.CASCADE, related_name="sessions"
    )
    coalition = models.ForeignKey(
        Coalition, verbose_name=_("coalition"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitators"),
        related_name="facilitated_sessions",
        blank=True,
    )
    attendees = models.ManyToManyField(
        Member, verbose_name=_("attendance"), related_name="attended_sessions", blank=True
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes to cover"), related_name="sessions", blank=True
    )
    phase = models.CharField(
        _("current phase"), max_length=20, choices=Phase, default=Phase.CHECK_IN
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-held_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pitstop", "coalition"], name="session_one_per_coalition"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coalition} · {self.pitstop}"

    def clean(self) -> None:
        if (
            self.pitstop_id
            and self.coalition_id
            and self.pitstop.expedition_id != self.coalition.expedition_id
        ):
            raise ValidationError(
                {"coalition": _("This coalition does not take part in this pitstop's expedition.")}
            )


class ReflectionQuerySet(models.QuerySet["Reflection"]):
    def quotable(self) -> ReflectionQuerySet:
        """Words whose author allowed them in a report or a coordinator's view, without a name."""
        return self.filter(visibility=Reflection.Visibility.QUOTABLE)

    def visible_to(self, user: models.Model) -> ReflectionQuerySet:
        """The privacy rule, in one place: which reflections this user may read.

        Facilitators read everything of their expedition; members read their coalition's shared
        words and their own; coordinators read only quotable words.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        shared = [Reflection.Visibility.COALITION, Reflection.Visibility.QUOTABLE]
        member_of = Member.objects.of_user(user).values("coalition_id")
        return self.filter(
            Q(coalition__expedition__in=user.facilitated_expeditions.values("pk"))
            | Q(coalition__in=member_of, visibility__in=shared)
            | Q(author__user=user)
            | Q(
                coalition__expedition__in=user.coordinated_expeditions.values("pk"),
                visibility=Reflection.Visibility.QUOTABLE,
            )
        )


class Reflection(models.Model):
    """A member's or the group's words on a theme.

    An anonymous reflection stores no author at all, so no screen, export or admin can show one;
    only the author's role is kept for analysis.
    """

    class Kind(models.TextChoices):
        OBSERVATION = "observation", _("observation")
        UNDERCURRENT = "undercurrent", _("undercurrent")
        SUCCESS = "success", _("success")
        SMALL_FAILURE = "small_failure", _("small failure")
        QUESTION = "question", _("question")

    class Visibility(models.TextChoices):
        FACILITATORS = "facilitators", _("facilitators only")
        COALITION = "coalition", _("my coalition")
        QUOTABLE = "quotable", _("may be quoted anonymously")

    coalition = models.ForeignKey(
        Coalition, verbose_name=_("coalition"), on_delete=models.CASCADE, related_name="reflections"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="reflections",
        null=True,
        blank=True,
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        related_name="reflections",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OBSERVATION)
    visibility = models.CharField(
        _("who may read this"), max_length=20, choices=Visibility, default=Visibility.COALITION
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    author = models.ForeignKey(
        Member,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        related_name="reflections",
        null=True,
        blank=True,
    )
    author_role = models.CharField(
        _("author's role"), max_length=20, choices=Member.Role, blank=True
    )
    text = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(author__isnull=True),
                name="reflection_anonymous_has_no_author",
            ),
        ]
        indexes = [
            models.Index(fields=["coalition", "-created_at"], name="reflection_coalition_recent"),
            models.Index(fields=["session", "theme"], name="reflection_session_theme"),
            models.Index(
                fields=["visibility", "theme"], include=["author_role"], name="reflection_quotable"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs) -> None:
        if self.author_id and not self.author_role:
            self.author_role = self.author.role
        if self.is_anonymous:
            self.author = None
        super().save(*args, **kwargs)

    @property
    def author_label(self) -> str:
        """The name to show: never one for anonymous words."""
        if self.is_anonymous or self.author is None:
            return str(_("anonymous"))
        return self.author.name


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
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="compass_ratings"
    )
    rung = models.CharField(_("place on the ladder"), max_length=20, choices=Rung)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("compass rating")
        verbose_name_plural = _("compass ratings")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="compass_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.session}"


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


class RedThread(models.Model):
    """What recurred across the sessions of a pitstop, with reflections as evidence."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    pitstop = models.ForeignKey(
        Pitstop, verbose_name=_("pitstop"), on_delete=models.CASCADE, related_name="red_threads"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
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
        super().save(*args, **kwargs)
