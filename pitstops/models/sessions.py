"""A round of reflection and its sessions: one coalition's meeting, run live."""

from __future__ import annotations

import contextlib
import datetime
import secrets
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition, Expedition, Member, Theme

from .. import push
from ..push import keep_here as _keep_here
from ..push import states_here


def new_participant_key() -> str:
    """128 bits and more from a secure source (ASVS 7.2.3)."""
    return secrets.token_urlsafe(32)


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
    plain_introduction = models.TextField(
        _("introduction to the short report"),
        blank=True,
        # In the database too: the previous release's app servers insert pitstops without it
        # during a rolling upgrade (docs/upgrades.md).
        db_default="",
        help_text=_("Opens the short report for members: short sentences, everyday words."),
    )
    report_published_at = models.DateTimeField(_("report published at"), null=True, blank=True)
    report_updated_at = models.DateTimeField(
        _("report changed after publishing at"), null=True, blank=True
    )

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

    def previous(self) -> Pitstop | None:
        return (
            Pitstop.objects.filter(expedition_id=self.expedition_id, number__lt=self.number)
            .order_by("-number")
            .first()
        )

    def space_window(self) -> tuple[datetime.date | None, datetime.date | None]:
        """Which days of coalition-space writing belong to this round: after the previous
        round ended, up to the end of this one (open-ended while it has no end date)."""
        previous = self.previous()
        after = (previous.ends_on or previous.starts_on) if previous else None
        return after, self.ends_on


JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud from a screen
JOIN_CODE_LENGTH = 6


# A poll trusts the cached state this long at most: a write racing a poll is healed by then.
LIVE_STATE_SECONDS = 2
# How many versions back a screen can be brought up to date with a delta; a screen further
# behind gets its whole fragment. Tombstones of withdrawn cards are kept this long, no longer.
# A room of 200 phones writing at once makes some 100 versions a second: the run page, a second
# or two behind, must still get a delta (with 200 it got the whole board of 900 KB every poll).
DELTA_VERSIONS = 5000


# Each app process keeps the state it last read this long (seconds): a room of phones polling
# one session then asks the shared cache a few times a second, not a hundred. A change made in
# this process is seen at once; one made in another process within this time.
STATE_HERE_SECONDS = 0.25
# (The state itself is kept in pitstops/push.py, whose messages bring it too.)


def live_state_key(session_id: int) -> str:
    return f"pitstops:live-state:{session_id}"


def remember_live_state(session_id: int, state: tuple[int, str, str]) -> None:
    """Keep a session's (version, phase, status) in the shared cache for the polls, never
    going back to an older version: a writer whose commit came first, or a poll that read the
    database just before a commit, may get here last. (Between the get and the set another
    writer can still slip in; the short expiry heals that.) A cache that is down keeps nothing.
    """
    _keep_here(session_id, state)
    key = live_state_key(session_id)
    with contextlib.suppress(Exception):
        cached = cache.get(key)
        if cached is None or cached[0] <= state[0]:
            cache.set(key, state, LIVE_STATE_SECONDS)


def default_phases() -> list[str]:
    """Every phase but the optional ones, which a facilitator adds when preparing a session."""
    return [phase for phase in Session.Phase.values if phase not in Session.OPTIONAL_PHASES]


class Session(models.Model):
    """One coalition's meeting within a pitstop, run live from the facilitator's board.

    Every change bumps `version`; screens poll with it as their ETag, so an unchanged board costs
    one indexed read and no app server keeps state in memory. A screen that says which version
    it shows gets only what changed since (see `delta_possible` and pitstops.board.build_delta):
    every card carries the version of its last change, a withdrawn card leaves a tombstone, and
    `structure_version` says when the layout itself last changed.
    """

    class Phase(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        # Most significant change: each tells what changed since the last pitstop, the group
        # marks the story that matters most, the facilitator notes why (an optional phase).
        CHANGE = "change", _("Stories of change")
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

    # Phases a session has only when the facilitator adds them; an existing session keeps its
    # own list of phases, so it never gets one of these by itself.
    OPTIONAL_PHASES = frozenset({Phase.CHANGE})

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
    phases = models.JSONField(_("phases, in order"), default=default_phases)
    phase = models.CharField(
        _("current phase"), max_length=20, choices=Phase, default=Phase.CHECK_IN
    )
    current_theme = models.ForeignKey(
        Theme,
        verbose_name=_("current theme"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    join_code = models.CharField(_("join code"), max_length=12, blank=True)
    timer_ends_at = models.DateTimeField(_("timer ends at"), null=True, blank=True)
    timer_paused_seconds = models.PositiveIntegerField(
        _("seconds left on the paused timer"), null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The version of the last change to the layout (open or close, phase, theme, groups): a
    # screen that shows an older version cannot be patched and gets its whole fragment.
    structure_version = models.PositiveIntegerField(
        _("version of the last change of layout"), default=0, db_default=0, editable=False
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The round "Stories of change": the story the group chose, and why (pitstops.live).
    chosen_story = models.ForeignKey(
        "Reflection",
        verbose_name=_("story the group chose"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # A default in the database: the previous release's INSERTs leave the column out.
    chosen_story_why = models.TextField(
        _("why the group chose it"), max_length=2000, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-held_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pitstop", "coalition"], name="session_one_per_coalition"
            ),
            models.UniqueConstraint(
                fields=["join_code"],
                condition=~Q(join_code=""),
                name="session_unique_join_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coalition} · {self.pitstop}"

    def get_absolute_url(self) -> str:
        return reverse("pitstops:session_run", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if (
            self.pitstop_id
            and self.coalition_id
            and self.pitstop.expedition_id != self.coalition.expedition_id
        ):
            raise ValidationError(
                {"coalition": _("This coalition does not take part in this pitstop's expedition.")}
            )

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def phase_label(self) -> str:
        return self.Phase(self.phase).label

    @property
    def has_change_round(self) -> bool:
        return self.Phase.CHANGE in self.phases

    def phase_sequence(self) -> list[tuple[str, str]]:
        """The phases in this session's order, with their labels."""
        return [(phase, self.Phase(phase).label) for phase in self.phases]

    def timer_seconds_left(self) -> int | None:
        if self.timer_paused_seconds is not None:
            return self.timer_paused_seconds
        if self.timer_ends_at is None:
            return None
        return max(0, int((self.timer_ends_at - timezone.now()).total_seconds()))

    @property
    def timer_is_running(self) -> bool:
        return self.timer_ends_at is not None and self.timer_paused_seconds is None

    def touch(
        self,
        *,
        cards: Iterable[models.Model] = (),
        withdrawn: Iterable[int] = (),
        structural: bool = False,
        at_once: bool = False,
    ) -> int:
        """Tell every screen something changed: bump the version in the database; return it.

        `cards` are the cards this change wrote: they take the new version, so a screen that
        shows an older one gets them in its next delta. `withdrawn` are the ids of cards just
        deleted: a tombstone (the id and the version, never the words) tells the screens to drop
        them. `structural` means the layout changed (open or close, phase, theme, groups): every
        screen then gets its whole fragment. What the facilitator does is `at_once` (structural
        changes always are): the phones' streams pass it on at once, where the room's cards may
        wait a moment to go several in one message (pitstops/views/streams.py).

        A screen that reads version N must find every change stamped up to N committed. So
        either call it inside the transaction that made the change (on PostgreSQL the bumped
        row stays locked until the commit, and versions are committed in their order), or after
        that transaction committed. The second keeps a room full of phones from queueing behind
        one another: on PostgreSQL the bump, the stamps and the tombstones are one statement,
        so outside a transaction the session's row is locked only while it runs.

        The shared cache keeps (version, phase, status) for the phones' polls: set anew once the
        change is committed, never back to an older version (inside a transaction it is dropped
        at once, so no poll serves the old state from it meanwhile).
        """
        card_pks = [card.pk for card in cards]
        withdrawn = list(withdrawn)
        if connection.vendor == "postgresql":
            state = self._bump_in_one_statement(card_pks, withdrawn, structural)
        else:
            with transaction.atomic():
                state = self._bump(card_pks, withdrawn, structural)
        if state is None:
            raise Session.DoesNotExist("The session is gone.")
        self.version, self.structure_version, self.phase, self.status = state
        for card in cards:
            card.changed_at_version = self.version
        if withdrawn:
            # Older ones serve no delta any more (see delta_possible).
            self.withdrawn_cards.filter(version__lte=self.version - DELTA_VERSIONS).delete()
        pk, live = self.pk, (self.version, self.phase, self.status)
        if connection.in_atomic_block:  # committed later: meanwhile polls read the database
            states_here.pop(pk, None)
            cache.delete(live_state_key(pk))
        transaction.on_commit(lambda: remember_live_state(pk, live), robust=True)
        # Then the open streams of every app server hear of it (pitstops/push.py).
        at_once = at_once or structural
        transaction.on_commit(lambda: push.publish(pk, live, at_once=at_once), robust=True)
        return self.version

    def _bump(self, card_pks: list[int], withdrawn: list[int], structural: bool) -> tuple:
        """The same in a few statements, for SQLite (which writes one transaction at a time)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self._meta.db_table} SET version = version + 1"  # noqa: S608
                + (", structure_version = version + 1" if structural else "")
                + " WHERE id = %s RETURNING version, structure_version, phase, status",
                [self.pk],
            )
            state = cursor.fetchone()
        if card_pks:
            self.reflections.filter(pk__in=card_pks).update(changed_at_version=state[0])
        if withdrawn:
            tombstones = self.withdrawn_cards
            tombstones.bulk_create(
                tombstones.model(session=self, card_pk=pk, version=state[0]) for pk in withdrawn
            )
        return state

    def _bump_in_one_statement(
        self, card_pks: list[int], withdrawn: list[int], structural: bool
    ) -> tuple:
        """PostgreSQL's data-modifying WITH: bump, stamp and bury in one round trip."""
        reflections = self.reflections.model._meta.db_table
        tombstones = self.withdrawn_cards.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH bumped AS (
                    UPDATE {self._meta.db_table} SET version = version + 1
                    {", structure_version = version + 1" if structural else ""}
                    WHERE id = %(session)s
                    RETURNING version, structure_version, phase, status
                ), stamped AS (
                    UPDATE {reflections} SET changed_at_version = bumped.version FROM bumped
                    WHERE session_id = %(session)s AND {reflections}.id = ANY(%(cards)s::bigint[])
                ), buried AS (
                    INSERT INTO {tombstones} (session_id, card_pk, version)
                    SELECT %(session)s, card_pk, bumped.version
                    FROM bumped, unnest(%(withdrawn)s::bigint[]) AS card_pk
                )
                SELECT version, structure_version, phase, status FROM bumped
                """,  # noqa: S608 (table names from the models, values as parameters)
                {"session": self.pk, "cards": card_pks, "withdrawn": withdrawn},
            )
            return cursor.fetchone()

    def delta_possible(self, shown: int) -> bool:
        """Whether a screen that shows version `shown` can be brought up to this one with a
        delta: its layout is still current, and it is not too far behind."""
        return self.structure_version <= shown < self.version <= shown + DELTA_VERSIONS

    @classmethod
    def live_state(cls, pk: int) -> tuple[int, str, str] | None:
        """(version, phase, status) for a poll: from this process or the shared cache when they
        have it, so an unchanged screen costs no database read; the database is the truth when
        they do not."""
        kept = states_here.get(pk)
        if kept is not None and time.monotonic() - kept[0] < STATE_HERE_SECONDS:
            return kept[1]
        key = live_state_key(pk)
        with contextlib.suppress(Exception):  # a cache that is down is a cache miss
            if (state := cache.get(key)) is not None:
                _keep_here(pk, state)
                return tuple(state)
        state = cls.objects.filter(pk=pk).values_list("version", "phase", "status").first()
        if state is not None:
            remember_live_state(pk, state)
        return state

    # The facilitator's controls. Each saves what it changed and bumps the version.

    def open(self) -> None:
        if self.is_open:
            return
        self.status = self.Status.OPEN
        self.opened_at = self.opened_at or timezone.now()
        self.closed_at = None
        self.join_code = self._new_join_code()
        self.save(update_fields=["status", "opened_at", "closed_at", "join_code"])
        self.touch(structural=True)

    def close(self) -> None:
        """Close the session; its join code stops working at once."""
        self.status = self.Status.CLOSED
        self.phase = self.Phase.CLOSE
        self.closed_at = timezone.now()
        self.join_code = ""
        self.timer_ends_at = None
        self.timer_paused_seconds = None
        self.save(
            update_fields=[
                "status",
                "phase",
                "closed_at",
                "join_code",
                "timer_ends_at",
                "timer_paused_seconds",
            ]
        )
        self.touch(structural=True)

    def go_to_phase(self, phase: str) -> None:
        if phase not in self.phases:
            raise ValidationError(_("This session has no such phase."))
        self.phase = phase
        self.timer_ends_at = None
        self.timer_paused_seconds = None
        if phase == self.Phase.REFLECT and self.current_theme_id is None:
            self.current_theme = self.themes.order_by("position").first()
        self.save(update_fields=["phase", "timer_ends_at", "timer_paused_seconds", "current_theme"])
        self.touch(structural=True)

    def step(self, offset: int) -> None:
        """Move to the next (1) or previous (-1) phase in this session's order."""
        position = self.phases.index(self.phase) if self.phase in self.phases else 0
        target = min(max(position + offset, 0), len(self.phases) - 1)
        self.go_to_phase(self.phases[target])

    def move_phase(self, phase: str, offset: int) -> None:
        """Reorder: move one phase earlier (-1) or later (1)."""
        if phase not in self.phases:
            raise ValidationError(_("This session has no such phase."))
        position = self.phases.index(phase)
        target = min(max(position + offset, 0), len(self.phases) - 1)
        self.phases.insert(target, self.phases.pop(position))
        self.save(update_fields=["phases"])
        self.touch(structural=True)

    def add_phase(self, phase: str) -> None:
        """Add an optional phase (the stories of change) right after the check-in; once only."""
        if phase not in self.OPTIONAL_PHASES:
            raise ValidationError(_("This phase cannot be added."))
        if self.is_closed:
            raise ValidationError(_("This session is closed. Nothing can be added any more."))
        if phase in self.phases:
            return
        after = self.Phase.CHECK_IN
        self.phases.insert(self.phases.index(after) + 1 if after in self.phases else 0, phase)
        self.save(update_fields=["phases"])
        self.touch(structural=True)

    def set_theme(self, theme: Theme) -> None:
        self.current_theme = theme
        self.save(update_fields=["current_theme"])
        self.touch(structural=True)

    def start_timer(self, minutes: int) -> None:
        self.timer_ends_at = timezone.now() + datetime.timedelta(minutes=minutes)
        self.timer_paused_seconds = None
        self.save(update_fields=["timer_ends_at", "timer_paused_seconds"])
        self.touch(at_once=True)

    def pause_timer(self) -> None:
        if self.timer_is_running:
            self.timer_paused_seconds = self.timer_seconds_left()
            self.save(update_fields=["timer_paused_seconds"])
            self.touch(at_once=True)

    def resume_timer(self) -> None:
        if self.timer_paused_seconds is not None:
            self.timer_ends_at = timezone.now() + datetime.timedelta(
                seconds=self.timer_paused_seconds
            )
            self.timer_paused_seconds = None
            self.save(update_fields=["timer_ends_at", "timer_paused_seconds"])
            self.touch(at_once=True)

    def extend_timer(self, minutes: int) -> None:
        if self.timer_paused_seconds is not None:
            self.timer_paused_seconds += minutes * 60
        elif self.timer_ends_at is not None:
            self.timer_ends_at = max(self.timer_ends_at, timezone.now()) + datetime.timedelta(
                minutes=minutes
            )
        else:
            self.start_timer(minutes)
            return
        self.save(update_fields=["timer_ends_at", "timer_paused_seconds"])
        self.touch(at_once=True)

    def _new_join_code(self) -> str:
        while True:
            code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
            if not Session.objects.filter(join_code=code).exists():
                return code


class Participant(models.Model):
    """Someone taking part in a session: a member picked by name, or a guest with a first name.

    The browser keeps `key` in a signed cookie; it is the only way back into the session. A name
    is taken by the first phone that taps it: another phone gets the same participant only when
    the member signs in or the facilitator lets it in (see JoinRequest). Even then it holds its
    own writer secret, so it never sees the first phone's cards (see pitstops.authorship).
    """

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="participations",
        null=True,
        blank=True,
    )
    guest_name = models.CharField(_("first name of the guest"), max_length=60, blank=True)
    key = models.CharField(_("key"), max_length=64, unique=True, default=new_participant_key)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=Q(member__isnull=False),
                name="participant_member_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(guest_name=""),
                name="participant_is_member_or_named_guest",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.member_id:
            return self.member.display_name
        return str(_("%(name)s (guest)") % {"name": self.guest_name})

    @property
    def role(self) -> str:
        return self.member.role if self.member_id else ""


class JoinRequestQuerySet(models.QuerySet["JoinRequest"]):
    def pending(self) -> JoinRequestQuerySet:
        return self.filter(status=JoinRequest.Status.PENDING)


class JoinRequest(models.Model):
    """A phone asks to join under a name that another phone already uses in this session.

    The facilitator sees who asks and lets the phone in or refuses; the phone waits with `key`
    in a signed cookie. Without this, anyone in the room who knows the code could tap a
    colleague's name and act as them.
    """

    # The most pending requests one session holds; more are refused with a clear message.
    PENDING_LIMIT = 10

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        LET_IN = "let_in", _("let in")
        REFUSED = "refused", _("refused")

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="join_requests"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="join_requests",
    )
    key = models.CharField(_("key"), max_length=64, unique=True, default=new_participant_key)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["session", "status"], name="join_request_session_status"),
        ]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CardGroup(models.Model):
    """A named group the facilitator sorts cards into while sharing."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("card group")
        verbose_name_plural = _("card groups")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="card_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
