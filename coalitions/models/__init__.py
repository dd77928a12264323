"""The travelling parties: expeditions, their coalitions, members and themes."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized(obj: models.Model, field: str) -> str:
    """The Dutch or English variant of a bilingual field, falling back to Dutch."""
    language = (get_language() or "nl")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_nl")


class Expedition(models.Model):
    """A learning programme that several local coalitions travel together."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in web addresses"), unique=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitation team"),
        related_name="facilitated_expeditions",
        blank=True,
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        related_name="coordinated_expeditions",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expedition")
        verbose_name_plural = _("expeditions")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="expedition_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("coalitions:expedition", kwargs={"slug": self.slug})

    @transaction.atomic
    def adopt_default_themes(self) -> list[Theme]:
        """Copy the shipped themes (the five discoveries) into this expedition, once."""
        adopted = []
        for default in Theme.objects.defaults().prefetch_related("questions"):
            theme, created = Theme.objects.get_or_create(
                expedition=self,
                key=default.key,
                defaults={
                    field: getattr(default, field)
                    for field in ("position", "name_nl", "name_en", "summary_nl", "summary_en")
                },
            )
            if created:
                GuidingQuestion.objects.bulk_create(
                    GuidingQuestion(
                        theme=theme,
                        position=question.position,
                        text_nl=question.text_nl,
                        text_en=question.text_en,
                    )
                    for question in default.questions.all()
                )
            adopted.append(theme)
        return adopted


class Coalition(models.Model):
    """A local partnership of a residents' initiative and a welfare organisation."""

    expedition = models.ForeignKey(
        Expedition,
        verbose_name=_("expedition"),
        on_delete=models.CASCADE,
        related_name="coalitions",
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in web addresses"))
    place = models.CharField(_("place"), max_length=200)
    residents_initiative = models.CharField(_("residents' initiative"), max_length=200)
    welfare_organisation = models.CharField(_("welfare organisation"), max_length=200)
    plan_of_approach = models.TextField(
        _("plan of approach"),
        blank=True,
        help_text=_("The plan the coalition joined the expedition with, in short."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coalition")
        verbose_name_plural = _("coalitions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["expedition", "slug"], name="coalition_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "coalitions:coalition",
            kwargs={"expedition": self.expedition.slug, "slug": self.slug},
        )


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)

    def of_user(self, user: models.Model) -> MemberQuerySet:
        """The active memberships of a logged-in user."""
        if not user.is_authenticated:
            return self.none()
        return self.active().filter(user=user)


class Member(models.Model):
    """A resident or professional in a coalition. Both roles have exactly the same rights."""

    class Role(models.TextChoices):
        RESIDENT = "resident", _("resident")
        PROFESSIONAL = "professional", _("professional")

    coalition = models.ForeignKey(
        Coalition,
        verbose_name=_("coalition"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=20, choices=Role)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("Optional: members can also take part without an account."),
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    consents_to_quotation = models.BooleanField(
        _("may be quoted"),
        default=False,
        help_text=_("New reflections may be quoted without a name, unless the member says no."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), auto_now_add=True)
    # Set when the member erased themselves: the name and contact details are gone, the row and
    # its role stay, so agreements they led and figures by role still add up.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "user"],
                condition=models.Q(user__isnull=False),
                name="member_one_membership_per_user",
            ),
            models.UniqueConstraint(
                fields=["coalition", "name"],
                condition=~models.Q(name=""),
                name="member_unique_name",
            ),
        ]
        indexes = [models.Index(fields=["coalition", "role"], name="member_coalition_role")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.coalition})"

    @property
    def display_name(self) -> str:
        """The name to show; "a former member" once the member erased themselves."""
        return self.name or str(_("a former member"))

    @property
    def is_resident(self) -> bool:
        return self.role == self.Role.RESIDENT


class ThemeQuerySet(models.QuerySet["Theme"]):
    def defaults(self) -> ThemeQuerySet:
        """The themes shipped with Pitstop, which every new expedition adopts."""
        return self.filter(expedition__isnull=True)


class Theme(models.Model):
    """A discovery to reflect on; the five defaults come from the first pitstop's report."""

    expedition = models.ForeignKey(
        Expedition,
        verbose_name=_("expedition"),
        on_delete=models.CASCADE,
        related_name="themes",
        null=True,
        blank=True,
        help_text=_("Empty for the themes shipped with Pitstop."),
    )
    key = models.SlugField(_("key"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    summary_nl = models.TextField(_("summary (Dutch)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["expedition", "key"], name="theme_unique_key"),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(expedition__isnull=True),
                name="theme_unique_default_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def summary(self) -> str:
        return localized(self, "summary")


class GuidingQuestion(models.Model):
    """A question that opens up a theme, in plain language."""

    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text_nl = models.CharField(_("question (Dutch)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("guiding question")
        verbose_name_plural = _("guiding questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return localized(self, "text")


# The coalition's own space between pitstops lives in its own module; imported here so that
# Django registers the models and `from coalitions.models import ...` finds them.
from .accounts import AccountSession  # noqa: E402
from .audit import AuditEntry  # noqa: E402
from .space import (  # noqa: E402
    AgreementReminder,
    HelpRequest,
    SmallThing,
    TamtamPost,
)

__all__ = [
    "AccountSession",
    "AgreementReminder",
    "AuditEntry",
    "Coalition",
    "Expedition",
    "GuidingQuestion",
    "HelpRequest",
    "Member",
    "SmallThing",
    "TamtamPost",
    "Theme",
    "localized",
]
