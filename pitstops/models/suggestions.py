"""Suggested red threads: a background run per pitstop, and the candidate clusters it found."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coalitions.models import Expedition, Theme

from .follow_up import RedThread
from .reflections import Reflection
from .sessions import Pitstop

# A team's own concern holds at most this many words: enough for every way of saying it.
OWN_WORDS_MAX = 60
_OWN_WORD_SEPARATORS = re.compile(r"[\s,;/]+")


def split_own_words(text: str) -> list[str]:
    """The words of a team's own concern as typed: separated by commas, spaces or new lines,
    in lower case, each once, in the order given."""
    found: list[str] = []
    for word in _OWN_WORD_SEPARATORS.split(text.casefold()):
        word = word.strip(".:!?()\"'")
        if word and word not in found:
            found.append(word)
    return found


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


class OwnConceptQuerySet(models.QuerySet["OwnConcept"]):
    def of_pitstop(self, pitstop_id: int) -> OwnConceptQuerySet:
        """The list of the pitstop's expedition: it holds for each of its pitstops."""
        return self.filter(expedition__pitstops=pitstop_id)

    def as_words(self) -> dict[str, list[str]]:
        """Each concern's name with its words, as the suggestions read them."""
        return {concept.name: concept.word_list() for concept in self}


class OwnConcept(models.Model):
    """A concern the facilitation team noticed in its expedition, with the words people use for it.

    The suggestions read these beside the field's vocabulary (`pitstops.suggestions.concepts`):
    notes that say the concern in other words than the vocabulary knows then meet (README, "Your
    own words"). Words of the team, not of members: no personal data.
    """

    expedition = models.ForeignKey(
        Expedition,
        verbose_name=_("expedition"),
        on_delete=models.CASCADE,
        related_name="own_concepts",
    )
    name = models.CharField(_("concern"), max_length=80)
    words = models.TextField(_("words"), max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = OwnConceptQuerySet.as_manager()

    class Meta:
        verbose_name = _("the team's own concern")
        verbose_name_plural = _("the team's own concerns")
        ordering = ["expedition", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["expedition", "name"], name="own_concept_name_once_per_expedition"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def word_list(self) -> list[str]:
        return split_own_words(self.words)
