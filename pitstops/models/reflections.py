"""What people say: reflections (cards in a session) and the marks that show what matters."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition, Member, Theme

from ..authorship import SEAL_LENGTH
from .sessions import Session

MAX_TEXT_LENGTH = 2000
# Cards the facilitator held back, or has not revealed yet, are for facilitators only.
RELEASED = Q(is_held_back=False) & (Q(session__isnull=True) | Q(revealed_at__isnull=False))


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight in the project's time zone: a round's days are Dutch days, not UTC ones."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ReflectionQuerySet(models.QuerySet["Reflection"]):
    def quotable(self) -> ReflectionQuerySet:
        """Words whose author allowed them in a report or a coordinator's view, without a name,
        and that the facilitator did not hold back."""
        return self.filter(RELEASED, visibility=Reflection.Visibility.QUOTABLE)

    def released(self) -> ReflectionQuerySet:
        """Words that may reach members' pages: written in the coalition space, or cards the
        facilitator revealed and did not hold back. Held-back and unrevealed cards stay with the
        facilitators until they release them."""
        return self.filter(RELEASED)

    def for_report(self) -> ReflectionQuerySet:
        """Words that may stand in a report: quotable, and not held back by the facilitator."""
        return self.quotable().filter(is_held_back=False)

    def of_round(self, pitstop: models.Model) -> ReflectionQuerySet:
        """The round's words: cards of the pitstop's sessions, and what the coalitions wrote in
        their own space since the previous pitstop (see Pitstop.space_window)."""
        after, until = pitstop.space_window()
        space = Q(session__isnull=True, coalition__expedition_id=pitstop.expedition_id)
        # Whole local days, as moments, so the index on created_at serves the range.
        if after is not None:
            space &= Q(created_at__gte=_start_of_day(after + datetime.timedelta(days=1)))
        if until is not None:
            space &= Q(created_at__lt=_start_of_day(until + datetime.timedelta(days=1)))
        return self.filter(Q(session__pitstop=pitstop) | space)

    def shown_to_group(self) -> ReflectionQuerySet:
        """Cards the facilitator revealed and did not hold back, and not for facilitators only."""
        return self.filter(revealed_at__isnull=False, is_held_back=False).exclude(
            visibility=Reflection.Visibility.FACILITATORS
        )

    def visible_to(self, user: models.Model) -> ReflectionQuerySet:
        """The privacy rule, in one place: which reflections this user may read.

        Facilitators read everything of their expedition, held-back cards too. Everyone else
        reads only released words (see `released`): members their coalition's shared words and
        their own named ones, coordinators only quotable words.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        shared = [Reflection.Visibility.COALITION, Reflection.Visibility.QUOTABLE]
        member_of = Member.objects.of_user(user).values("coalition_id")
        readable = (
            Q(coalition__in=member_of, visibility__in=shared)
            | Q(author__user=user)
            | Q(
                coalition__expedition__in=user.coordinated_expeditions.values("pk"),
                visibility=Reflection.Visibility.QUOTABLE,
            )
        )
        facilitated = Q(coalition__expedition__in=user.facilitated_expeditions.values("pk"))
        return self.filter(facilitated | (RELEASED & readable))


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
    # In a session: who wrote it, unless anonymous (then nobody is stored; see author_seal).
    participant = models.ForeignKey(
        "Participant",
        verbose_name=_("written by participant"),
        on_delete=models.SET_NULL,
        related_name="cards",
        null=True,
        blank=True,
    )
    # Lets the device (or signed-in session) that wrote these words find, change or withdraw
    # them, anonymous ones too; it links them to nobody (see pitstops.authorship).
    author_seal = models.CharField(
        _("writer's seal"), max_length=SEAL_LENGTH, blank=True, editable=False
    )
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
    # The session's version when the card was last written, held back, grouped, revealed or
    # marked (Session.touch sets it): a screen that shows an older version gets it in its delta.
    # A default in the database too: rows written with SQL (bulk loads, benchmarks) need none.
    changed_at_version = models.PositiveIntegerField(
        _("session version of its last change"), default=0, db_default=0, editable=False
    )

    objects = ReflectionQuerySet.as_manager()
    # How many marks it has, where the board counts them (pitstops.board.card_queryset). None
    # elsewhere: a template asking for it then finds an attribute, not a slow failed lookup.
    mark_count: int | None = None

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
            # A delta reads the cards changed since a version: a range on this index, however
            # many cards the session holds.
            models.Index(
                fields=["session", "changed_at_version"], name="reflection_session_change"
            ),
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
        quotable = self.visibility == self.Visibility.QUOTABLE
        before = getattr(self, "_quotable_in_db", None)  # None: new, or not loaded
        adding = self._state.adding
        super().save(*args, **kwargs)
        # Consent to quotation is on record with its time: given, or taken back (AVG/GDPR).
        if (adding and quotable) or (not adding and before is not None and before != quotable):
            QuotationConsent.objects.create(reflection=self, given=quotable)
        self._quotable_in_db = quotable

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        # Remember the consent as loaded, so save() can tell a change of it (see above).
        reflection = super().from_db(db, field_names, values, **kwargs)
        reflection._quotable_in_db = (
            reflection.visibility == cls.Visibility.QUOTABLE
            if "visibility" in reflection.__dict__
            else None
        )
        # And the overview's count it is in, so a save that moves it can move the count.
        reflection.counted_in = reflection.tally_bucket()
        return reflection

    TALLY_FIELDS = ("coalition_id", "session_id", "theme_id", "author_role")

    def tally_bucket(self) -> tuple | None:
        """(coalition, session, theme, author's role): the overview counts the reflection
        there (see ReflectionTally). None when a field of it was not loaded."""
        loaded = self.__dict__
        if any(field not in loaded for field in self.TALLY_FIELDS):
            return None
        return tuple(loaded[field] for field in self.TALLY_FIELDS)

    @property
    def author_label(self) -> str:
        """The name to show: never one for anonymous words."""
        if self.is_anonymous:
            return str(_("anonymous"))
        if self.author is not None:
            return self.author.display_name
        if self.participant is not None:
            return self.participant.name
        return str(_("the group"))

    @property
    def board_order(self) -> str:
        """Where the card stands in a list on a live screen, as text that sorts like the cards
        are ordered (created_at, then pk): session.js puts a card from a delta in its place."""
        moment = int(self.created_at.timestamp() * 1_000_000)
        return f"{moment:020d}-{self.pk:015d}"

    @property
    def kind_label(self) -> str:
        """What the card is, in words: a story of change has no kind to choose, so it says so."""
        if self.phase == Session.Phase.CHANGE:
            return str(_("story of change"))
        return self.get_kind_display()

    @property
    def is_visible_to_group(self) -> bool:
        """Shown on the board and to the other participants."""
        return (
            self.revealed_at is not None
            and not self.is_held_back
            and self.visibility != self.Visibility.FACILITATORS
        )


class WithdrawnCard(models.Model):
    """A card withdrawn during a session: its id and the session's version at the withdrawal,
    so a screen that still shows it drops it in its next delta (see Session.touch).

    Never the words, the writer or anything else of the card: withdrawn words are gone. Kept for
    `DELTA_VERSIONS` versions; older ones are deleted as new ones come.
    """

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="withdrawn_cards",
    )
    card_pk = models.PositiveBigIntegerField(_("id of the withdrawn card"))
    version = models.PositiveIntegerField(_("session version of the withdrawal"))

    class Meta:
        verbose_name = _("withdrawn card")
        verbose_name_plural = _("withdrawn cards")
        ordering = ["version", "pk"]
        indexes = [
            models.Index(fields=["session", "version"], name="withdrawn_card_session_version"),
        ]

    def __str__(self) -> str:
        return f"{self.card_pk} ({self.version})"


class QuotationConsent(models.Model):
    """A change of the writer's consent to be quoted (anonymously), with its time.

    Holds no name: it is a fact about the words, which the writer controls, not about a person.
    """

    reflection = models.ForeignKey(
        Reflection,
        verbose_name=_("reflection"),
        on_delete=models.CASCADE,
        related_name="consent_changes",
    )
    given = models.BooleanField(_("may be quoted"))
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent to quotation")
        verbose_name_plural = _("consents to quotation")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reflection_id}: {self.given}"


class ResonanceMark(models.Model):
    """A participant's "this matters" on a card: at most three per participant per session on
    the group's cards, and one on the stories of change (the story that matters most)."""

    LIMIT = 3
    STORY_LIMIT = 1

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
