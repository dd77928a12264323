"""Suggested red threads: a background run per pitstop, and the candidate clusters it found."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coalitions.models import Theme

from .follow_up import RedThread
from .reflections import Reflection
from .sessions import Pitstop

# A run still queued or running after this long lost its worker (a restart, a crash): it no longer
# blocks a new run, and shows as failed.
STALE_AFTER = datetime.timedelta(minutes=30)


class SuggestionRunQuerySet(models.QuerySet["SuggestionRun"]):
    def active(self) -> SuggestionRunQuerySet:
        return self.filter(status__in=SuggestionRun.ACTIVE)

    def stale(self) -> SuggestionRunQuerySet:
        return self.active().filter(created_at__lt=timezone.now() - STALE_AFTER)


class SuggestionRun(models.Model):
    """One background clustering of a pitstop's round, with its status and progress.

    A run that fails keeps what earlier runs found: their suggestions stay until a later run is
    done, since suggestions are only stored when a run finishes.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    # `error` holds what went wrong in a word (an exception's name, or this for a lost worker);
    # `error_message` says it in the reader's language.
    STALE = "stale"

    pitstop = models.ForeignKey(
        Pitstop,
        verbose_name=_("pitstop"),
        on_delete=models.CASCADE,
        related_name="suggestion_runs",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    method = models.CharField(_("method"), max_length=20)
    # 0 is the default number of groups; each step up asks for ~40% more, each step down fewer.
    # db_default: the previous release's servers insert runs without it (docs/upgrades.md).
    granularity = models.SmallIntegerField(_("more or fewer groups"), default=0, db_default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    reflection_count = models.PositiveIntegerField(_("reflections read"), default=0)
    error = models.TextField(_("what went wrong"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = SuggestionRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion run")
        verbose_name_plural = _("suggestion runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="suggestion_run_progress_percent",
            ),
            # Two facilitators pressing "start" at once get one run, not two.
            models.UniqueConstraint(
                fields=["pitstop"],
                condition=Q(status__in=["queued", "running"]),
                name="suggestion_run_one_active_per_pitstop",
            ),
        ]
        indexes = [
            models.Index(fields=["pitstop", "-created_at"], name="suggestion_run_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.pitstop} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def error_message(self) -> str:
        if self.status != self.Status.FAILED:
            return ""
        if self.error == self.STALE:
            return gettext("The run stopped without finishing. Start it again.")
        return gettext(
            "Making suggestions stopped halfway (%(error)s). Earlier suggestions are kept."
        ) % {"error": self.error or "?"}


class RedThreadSuggestionQuerySet(models.QuerySet["RedThreadSuggestion"]):
    def open(self) -> RedThreadSuggestionQuerySet:
        return self.filter(status=RedThreadSuggestion.Status.OPEN)


class RedThreadSuggestion(models.Model):
    """A cluster of reflections that may be a red thread, with a suggested title."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACCEPTED = "accepted", _("accepted")
        DISMISSED = "dismissed", _("dismissed")

    run = models.ForeignKey(
        SuggestionRun,
        verbose_name=_("suggestion run"),
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("suggested title"), max_length=200)
    reflections = models.ManyToManyField(
        Reflection, verbose_name=_("reflections"), related_name="suggestions"
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="suggestions", blank=True
    )
    # The words that tie its reflections together, each with in how many it occurs: [["word", n]].
    why = models.JSONField(_("why"), default=list, db_default=[], blank=True)
    # Set for a "still here" suggestion: this earlier red thread recurs in the round.
    continues = models.ForeignKey(
        RedThread,
        verbose_name=_("earlier red thread that recurs"),
        on_delete=models.CASCADE,
        related_name="recurrences",
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    red_thread = models.ForeignKey(
        RedThread,
        verbose_name=_("red thread made from it"),
        on_delete=models.SET_NULL,
        related_name="suggestions",
        null=True,
        blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = RedThreadSuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggested red thread")
        verbose_name_plural = _("suggested red threads")
        ordering = ["run", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class ReflectionVector(models.Model):
    """A reflection's sentence embedding, kept so "more like this" needs no encoder on the page.

    Derived from a member's words, so it goes with them: deleted with the reflection, and not
    used once the words changed (the digest of the text it was made from no longer matches).
    """

    reflection = models.OneToOneField(
        Reflection,
        verbose_name=_("reflection"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="vector",
    )
    digest = models.CharField(_("digest of the text"), max_length=64)
    vector = models.BinaryField(_("vector"))

    class Meta:
        verbose_name = _("reflection vector")
        verbose_name_plural = _("reflection vectors")

    def __str__(self) -> str:
        return f"vector of {self.reflection_id}"
