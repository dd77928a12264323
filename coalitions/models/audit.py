"""The audit log: who viewed or exported facilitators-only words and drafts, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One view or export of a page that holds facilitators-only words or drafts.

    Never the words themselves: the page (its name and path, without the query string, which can
    hold a search) and who, when. Superusers read the log in the admin; nobody can change it.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # Kept when the account is deleted later, so the log still says who it was.
    username = models.CharField(_("user name"), max_length=150)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    page = models.CharField(_("page"), max_length=100)
    path = models.CharField(_("address"), max_length=300)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.username} · {self.get_action_display()} · {self.page}"
