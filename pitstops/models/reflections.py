"""What people say: reflections (cards in a session) and the marks that show what matters."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition, Member, Theme

from .sessions import Pitstop, Session

MAX_TEXT_LENGTH = 2000


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight in the project's time zone: a round's days are Dutch days, not UTC ones."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ReflectionQuerySet(models.QuerySet["Reflection"]):
    def quotable(self) -> ReflectionQuerySet:
        """Words whose author allowed them in a report or a coordinator's view, without a name."""
        return self.filter(visibility=Reflection.Visibility.QUOTABLE)

    def shown_to_group(self) -> ReflectionQuerySet:
        """Cards the facilitator revealed and did not hold back, and not for facilitators only."""
        return self.filter(revealed_at__isnull=False, is_held_back=False).exclude(
            visibility=Reflection.Visibility.FACILITATORS
        )

    def of_round(self, pitstop: Pitstop) -> ReflectionQuerySet:
        """Everything said in a pitstop's round, as its facilitators may read it.

        The cards of the pitstop's sessions in every coalition, and what the expedition's
        coalitions wrote in their own space after the previous pitstop's last day, up to and
        including this pitstop's last day. Nothing is left out by visibility or held back: only
        facilitators (and superusers) read the round whole; filter further for anyone else.
        """
        last_day = pitstop.ends_on or pitstop.starts_on
        space = Q(
            session__isnull=True,
            coalition__expedition_id=pitstop.expedition_id,
            created_at__lt=_start_of_day(last_day + datetime.timedelta(days=1)),
        )
        previous = (
            Pitstop.objects.filter(expedition_id=pitstop.expedition_id, number__lt=pitstop.number)
            .order_by("-number")
            .values_list("starts_on", "ends_on")
            .first()
        )
        if previous is not None:
            day_after = (previous[1] or previous[0]) + datetime.timedelta(days=1)
            space &= Q(created_at__gte=_start_of_day(day_after))
        return self.filter(Q(session__pitstop=pitstop) | space)

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
    text = models.TextField(_("text"), max_length=MAX_TEXT_LENGTH, blank=True)
    # In a session: who wrote it, unless anonymous (then nobody is stored; see author_key).
    participant = models.ForeignKey(
        "Participant",
        verbose_name=_("written by participant"),
        on_delete=models.SET_NULL,
        related_name="cards",
        null=True,
        blank=True,
    )
    # A keyed hash of the writer's participant key: lets the writer find their own cards, also
    # anonymous ones, while the data holds no name and no link to a member.
    author_key = models.CharField(_("author key"), max_length=64, blank=True, editable=False)
    # Chosen by the writer's browser: a card sent again after a dropped connection is stored once.
    client_id = models.UUIDField(_("client id"), null=True, blank=True, editable=False)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noted by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The facilitator who typed this for the group or for a member."),
    )
    photo = models.ImageField(_("photo"), upload_to="flip-charts/%Y/%m/", blank=True)
    phase = models.CharField(_("written in phase"), max_length=20, blank=True)
    group = models.ForeignKey(
        "CardGroup",
        verbose_name=_("group"),
        on_delete=models.SET_NULL,
        related_name="cards",
        null=True,
        blank=True,
    )
    is_held_back = models.BooleanField(
        _("held back"), default=False, help_text=_("Not shown to the group.")
    )
    revealed_at = models.DateTimeField(_("shown to the group at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(author__isnull=True, participant__isnull=True),
                name="reflection_anonymous_has_no_author",
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(photo=""), name="reflection_has_text_or_photo"
            ),
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=Q(client_id__isnull=False),
                name="reflection_sent_once",
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
            self.participant = None
        super().save(*args, **kwargs)

    @property
    def author_label(self) -> str:
        """The name to show: never one for anonymous words."""
        if self.is_anonymous:
            return str(_("anonymous"))
        if self.author is not None:
            return self.author.name
        if self.participant is not None:
            return self.participant.name
        return str(_("the group"))

    @property
    def is_visible_to_group(self) -> bool:
        """Shown on the board and to the other participants."""
        return (
            self.revealed_at is not None
            and not self.is_held_back
            and self.visibility != self.Visibility.FACILITATORS
        )


def author_key_for(participant_key: str) -> str:
    return salted_hmac("pitstops.card-author", participant_key, algorithm="sha256").hexdigest()


class ResonanceMark(models.Model):
    """A participant's "this matters" on a card; at most three per participant per session."""

    LIMIT = 3

    participant = models.ForeignKey(
        "Participant", verbose_name=_("participant"), on_delete=models.CASCADE, related_name="marks"
    )
    reflection = models.ForeignKey(
        Reflection, verbose_name=_("card"), on_delete=models.CASCADE, related_name="marks"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resonance mark")
        verbose_name_plural = _("resonance marks")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "reflection"], name="resonance_once_per_card"
            ),
        ]

    def __str__(self) -> str:
        return str(self.reflection)
